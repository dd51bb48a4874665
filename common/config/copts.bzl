"""Compiler options for code that includes yaml-cpp headers.

GCC 12 at -O2 reports -Wdangling-pointer inside yaml-cpp 0.7's node headers
(a false positive after inlining, so the system-header exemption does not
apply) and -Werror turns it into a build failure under -c opt. clang does not
know the flag, hence -Wno-unknown-warning-option (GCC ignores unknown -Wno-).
"""

YAML_CPP_COPTS = [
    "-Wno-unknown-warning-option",
    "-Wno-dangling-pointer",
]
