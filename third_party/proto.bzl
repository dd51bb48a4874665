"""proto_cc_library: C++ (and optionally gRPC) code from a .proto with the system protoc.

cc_proto_library needs @com_google_protobuf, which cannot be fetched offline;
Debian's protoc and grpc_cpp_plugin generate the same code.
"""

def proto_cc_library(name, src, grpc = False, deps = [], visibility = None):
    """Generates <name>, a cc_library of the messages (and services) in `src`.

    Args:
      name: the cc_library's name.
      src: one .proto file in this package.
      grpc: also generate gRPC service stubs.
      deps: other proto_cc_library targets whose .proto files `src` imports.
      visibility: of the cc_library.
    """
    base = src[:-len(".proto")]
    pkg = native.package_name()
    outs = [base + ".pb.h", base + ".pb.cc"]
    plugin = ""
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
        plugin = " --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin --grpc_out=$(GENDIR)"
    native.genrule(
        name = name + "_gen",
        srcs = [src],
        outs = outs,
        cmd = "protoc -I. --cpp_out=$(GENDIR)" + plugin + " " + (pkg + "/" if pkg else "") + src,
        message = "protoc " + src,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + ["//third_party:protobuf"] + (["//third_party:grpc"] if grpc else []),
        copts = ["-Wno-unused-parameter"],
        visibility = visibility,
    )
