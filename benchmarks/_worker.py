"""One measurement in a fresh process: ``python -m benchmarks._worker CASE MODULE IMPL SIZE_JSON``.

Prints one line ``RESULT {json}``; the parent (``python -m benchmarks``) parses it.
"""

from __future__ import annotations

import json
import sys

from benchmarks import _harness


def main(argv: list[str]) -> int:
    case_name, module, impl, size_json = argv
    try:
        import torch

        threads = torch.get_num_threads()
    except ImportError:
        threads = 0
    result = _harness.measure(case_name, module, impl, json.loads(size_json))
    result["threads"] = threads
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
