"""Testing helpers: accuracy measurement against mpmath and uniform adapters for the test-suite and reports."""
