#!/usr/bin/env python3
"""Checks that every module a target's Swift files import is declared as that target's
dependency in Package.swift (SwiftPM builds some undeclared imports by luck of the build
order, and then breaks on a clean build or another platform). Exits 1 and names the target
and the module when one is missing. Run by `make test`."""
import glob
import re
import sys
from pathlib import Path

SYSTEM = {"Foundation", "FoundationEssentials", "XCTest", "Dispatch", "Glibc", "Darwin"}
PRODUCTS = {"ArgumentParser": "swift-argument-parser", "Logging": "swift-log"}


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    package = (root / "Package.swift").read_text()
    failures = []
    pattern = r'\.(?:target|executableTarget|testTarget)\(\s*name: "(\w+)",\s*dependencies: \[(.*?)\](.*?)swiftSettings'
    for match in re.finditer(pattern, package, re.S):
        name, dependencies, rest = match.group(1), match.group(2), match.group(3)
        declared = set(re.findall(r'"([\w-]+)"', dependencies))
        path = re.search(r'path: "([^"]+)"', rest)
        folder = path.group(1) if path else ("Tests/" if name.endswith("Tests") else "Sources/") + name
        imported = set()
        for file in glob.glob(str(root / folder / "**" / "*.swift"), recursive=True):
            imported |= set(re.findall(r"^(?:@_exported |@testable )?import (\w+)", Path(file).read_text(), re.M))
        for module in sorted(imported - SYSTEM):
            if module not in declared and PRODUCTS.get(module) not in declared:
                failures.append(f"Package.swift: target {name} imports {module} but does not declare it as a dependency")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
