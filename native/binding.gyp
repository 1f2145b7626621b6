# The bus's native fast path over node-rdkafka (see kafka_batch.cc): built against node-rdkafka's
# own headers and linked to the librdkafka it built, so both addons share one librdkafka.
{
  "variables": {
    "rdkafka%": "<!(node -p \"require('path').dirname(require.resolve('node-rdkafka/package.json'))\")",
  },
  "targets": [
    {
      "target_name": "tmbus_kafka",
      "sources": ["kafka_batch.cc", "raw_headers.c"],
      "include_dirs": [
        "<!(node -e \"require('nan')\")",
        "<(rdkafka)",
        "<(rdkafka)/deps/librdkafka/src",
        "<(rdkafka)/deps/librdkafka/src-cpp",
        # config.h of the librdkafka build (raw_headers.c reads its private message struct).
        "<(rdkafka)/deps/librdkafka",
      ],
      "libraries": [
        "<(rdkafka)/build/deps/librdkafka.so.1",
        "-Wl,-rpath,<(rdkafka)/build/deps",
      ],
      "cflags": ["-O2"],
      # librdkafka's private headers are not written for -Wextra.
      "cflags_c": ["-w"],
      "cflags_cc": ["-std=c++20", "-O2", "-Wno-cast-function-type", "-Wno-ignored-qualifiers"],
      "cflags_cc!": ["-fno-rtti", "-fno-exceptions"],
    }
  ]
}
