"""Report formats: flake8-style text, JSON, and SARIF 2.1.0 for code-scanning UIs."""
from __future__ import annotations

import json

from actloss.lint._runner import LintReport


def location(f) -> str:  # noqa: ANN001
    cell = f"cell_{f.cell}:" if f.cell is not None else ""
    return f"{f.path}:{cell}{f.line}:{f.col}"


def text(report: LintReport) -> str:
    return "".join(f"{location(f)}: {f.code} {f.message}\n" for f in report.findings)


def as_json(report: LintReport) -> str:
    from actloss import __version__

    payload = {
        "tool": "actloss lint",
        "version": __version__,
        "files": report.files,
        "findings": [
            {
                "path": f.path,
                "cell": f.cell,
                "line": f.line,
                "col": f.col,
                "code": f.code,
                "message": f.message,
                "fixable": f.fixable,
            }
            for f in report.findings
        ],
        "errors": [{"path": e.path, "message": e.message} for e in report.errors],
    }
    return json.dumps(payload, indent=2) + "\n"


def as_sarif(report: LintReport) -> str:
    from actloss import __version__
    from actloss.catalogue import CATALOGUE

    rules = [
        {
            "id": e.code,
            "name": e.name,
            "shortDescription": {"text": e.title},
            "fullDescription": {"text": e.what},
            "help": {"text": f"{e.why}\nFix: {e.fix}", "markdown": f"{e.why}\n\n**Fix.** {e.fix}"},
            "defaultConfiguration": {"level": "warning"},
        }
        for e in CATALOGUE.values()
        if e.kind == "static"
    ]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in report.findings:
        region = {"startLine": f.line, "startColumn": f.col}
        loc: dict = {"physicalLocation": {"artifactLocation": {"uri": f.path.replace("\\", "/")}, "region": region}}
        if f.cell is not None:
            loc["logicalLocations"] = [{"name": f"cell_{f.cell}", "kind": "notebookCell"}]
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index.get(f.code, 0),
                "level": "warning",
                "message": {"text": f.message},
                "locations": [loc],
            }
        )
    notes = [
        {
            "level": "error",
            "message": {"text": e.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": e.path.replace("\\", "/")}}}],
        }
        for e in report.errors
    ]
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "actloss",
                        "version": __version__,
                        "informationUri": "https://github.com/actloss/actloss",
                        "rules": rules,
                    }
                },
                "invocations": [
                    {"executionSuccessful": not report.errors, "toolExecutionNotifications": notes}
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"
