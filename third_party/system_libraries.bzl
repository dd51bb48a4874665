"""system_libraries: one cc_library per Debian-packaged C++ library.

Link lines come from `pkg-config --cflags --libs` so they are exactly what the
library's packagers declared (abseil alone splits into ~80 archives; a
hand-written -l list rots). Libraries without a .pc file (Boost, Debian's
BoringSSL build) are described by the explicit flags in _MANUAL below, each
checked to exist so a missing package fails with a message naming it.
"""

# target name -> pkg-config modules it stands for.
_PKG_CONFIG = {
    "absl": [
        "absl_base",
        "absl_cleanup",
        "absl_flat_hash_map",
        "absl_flat_hash_set",
        "absl_flags",
        "absl_flags_parse",
        "absl_flags_usage",
        "absl_random_random",
        "absl_status",
        "absl_statusor",
        "absl_str_format",
        "absl_strings",
        "absl_synchronization",
        "absl_time",
        "absl_span",
    ],
    "benchmark": ["benchmark"],
    "gmock": ["gmock"],
    "gtest": ["gtest"],
    "gtest_main": ["gmock_main"],
    "grpc": ["grpc++"],
    "openssl": ["libssl", "libcrypto"],
    "protobuf": ["protobuf"],
    "re2": ["re2"],
    "yaml_cpp": ["yaml-cpp"],
}

# Which Debian package provides each pkg-config module, for error messages.
_PACKAGE_HINT = {
    "benchmark": "libbenchmark-dev",
    "gmock": "libgmock-dev",
    "gmock_main": "libgmock-dev",
    "gtest": "libgtest-dev",
    "grpc++": "libgrpc++-dev",
    "libssl": "libssl-dev",
    "libcrypto": "libssl-dev",
    "protobuf": "libprotobuf-dev",
    "re2": "libre2-dev",
    "yaml-cpp": "libyaml-cpp-dev",
}

_BOOST_VERSION = "1_81"
_BORINGSSL_LIBDIR = "/usr/lib/x86_64-linux-gnu/android"
_BORINGSSL_INCLUDE = "/usr/include/android"

def _fail_missing(what, package):
    fail("system library {} not found; run tools/setup (it installs {})".format(what, package))

def _pkg_config(ctx, modules):
    result = ctx.execute(["pkg-config", "--cflags", "--libs"] + modules)
    if result.return_code != 0:
        for module in modules:
            if ctx.execute(["pkg-config", "--exists", module]).return_code != 0:
                _fail_missing("'{}'".format(module), _PACKAGE_HINT.get(module, "libabsl-dev"))
        fail("pkg-config {} failed: {}".format(" ".join(modules), result.stderr))
    return [f for f in result.stdout.replace("\n", " ").split(" ") if f]

def _library(ctx, name, flags):
    """Renders one cc_library from compiler/linker flags, symlinking -I dirs into the repo."""
    defines, copts, includes, linkopts = [], [], [], []
    for flag in flags:
        if flag.startswith("-D"):
            defines.append(flag[2:])
        elif flag.startswith("-I"):
            link = "include/{}/{}".format(name, len(includes))
            ctx.symlink(flag[2:], link)
            includes.append(link)
        elif flag == "-pthread":
            copts.append(flag)
            linkopts.append(flag)
        elif flag not in linkopts or not flag.startswith("-l"):
            linkopts.append(flag)
    # Headers under a symlinked -I directory must be listed, or the sandbox
    # omits them and the compiler silently falls back to /usr/include (for
    # BoringSSL that would be OpenSSL's headers).
    hdrs = ["{}/**/*.h".format(d) for d in includes]
    return """
cc_library(
    name = "{name}",
    hdrs = glob({hdrs}),
    defines = {defines},
    copts = {copts},
    includes = {includes},
    linkopts = {linkopts},
)
""".format(name = name, hdrs = hdrs, defines = defines, copts = copts, includes = includes, linkopts = linkopts)

def _check_boost(ctx):
    version = ctx.path("/usr/include/boost/version.hpp")
    if not version.exists:
        _fail_missing("Boost", "libboost1.81-dev")
    if '"{}"'.format(_BOOST_VERSION) not in ctx.read(version):
        fail("Boost in /usr/include is not {}; run tools/setup (it installs libboost1.81-dev)".format(_BOOST_VERSION))
    for lib in ["url", "json"]:
        if not ctx.path("/usr/lib/x86_64-linux-gnu/libboost_{}.so".format(lib)).exists:
            _fail_missing("Boost." + lib.upper(), "libboost-{}1.81-dev".format(lib))

def _system_libraries_impl(ctx):
    build = ['package(default_visibility = ["//visibility:public"])\n']
    for name, modules in sorted(_PKG_CONFIG.items()):
        build.append(_library(ctx, name, _pkg_config(ctx, modules)))

    # Debian ships benchmark_main without a .pc file of its own.
    build.append(_library(ctx, "benchmark_main", ["-lbenchmark_main"] + _pkg_config(ctx, ["benchmark"])))

    _check_boost(ctx)

    # Boost.Asio/Beast are header-only; URL and JSON are compiled libraries.
    build.append(_library(ctx, "boost", ["-DBOOST_ASIO_NO_DEPRECATED", "-pthread", "-lboost_url", "-lboost_json"]))

    # Debian's BoringSSL (android-libboringssl-dev) has no .pc file. It is
    # optional: only --config=boringssl uses it, so its absence is an error
    # only when that target is built.
    if ctx.path(_BORINGSSL_INCLUDE + "/openssl/ssl.h").exists:
        build.append(_library(ctx, "boringssl", [
            "-I" + _BORINGSSL_INCLUDE,
            "-L" + _BORINGSSL_LIBDIR,
            "-Wl,-rpath," + _BORINGSSL_LIBDIR,
            "-lssl",
            "-lcrypto",
        ]))
    else:
        build.append("""
genrule(
    name = "boringssl_missing",
    outs = ["boringssl_missing.h"],
    cmd = "echo 'BoringSSL headers not found; run tools/setup (android-libboringssl-dev)' >&2; exit 1",
)

cc_library(
    name = "boringssl",
    hdrs = [":boringssl_missing.h"],
)
""")
    ctx.file("BUILD.bazel", "".join(build))
    ctx.file("WORKSPACE", 'workspace(name = "{}")\n'.format(ctx.name))

system_libraries = repository_rule(
    implementation = _system_libraries_impl,
    local = True,
    environ = ["PKG_CONFIG_PATH"],
)
