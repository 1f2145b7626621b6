// The bus's fast path across the node-rdkafka boundary: a batch of records per call instead of one.
//
// node-rdkafka crosses from JS into C++ once per produced record (converting every header through
// V8 strings) and builds a JS object, a topic string and a copied Buffer per consumed record. On the
// benchmark that was about half of the runtime's CPU. These two functions work on node-rdkafka's
// own client handles (the librdkafka instance it created, connected and manages), so everything
// else — configuration, rebalances, commits, transactions, delivery reports of errors — stays
// node-rdkafka's:
//
//   produceBatch(client, topics, names, meta, headers, data, timestamps, count, tag?, ids?) -> [accepted, err]
//     Hands `count` records to librdkafka (copied). A record's fields are offsets into `data` (see
//     META_* below). With `tag` (>= 0) every record carries it as its delivery-report opaque, for
//     `reports`; without, none. With `ids` (a Float64Array), a record whose id is >= 0 carries that
//     instead, and `reports` gives its position. Stops at the first record librdkafka refuses (a
//     full queue: the caller polls and retries the rest).
//
//   reports(client) -> [counts, failures, errors, more, positions] | undefined
//     Serves the producer's main queue on this thread, without waiting (librdkafka's event API), and
//     counts delivery reports here instead of crossing into JS once per record: `counts` is
//     [tag, delivered, tag, delivered, ...], `positions` a Float64Array [id, partition, offset, ...]
//     of the delivered records that carried an id, `failures` one [tag, code, message, topic,
//     partition, id?] per record not delivered (tag -1 and its id for one that carried an id),
//     `errors` one [code, message, fatal] per client error; `more` when it
//     stopped at its bound (4,096 events) with more queued. undefined when nothing was queued. While a producer is served this way nothing may call node-rdkafka's
//     poll() or flush() on it: those would hand the same reports to node-rdkafka's callbacks.
//
//   consumeBatch(client, max, timeoutMs, callback(err, batch))
//     In the libuv threadpool, polls up to `max` records as node-rdkafka's consume(n) does (the
//     first wait up to `timeoutMs`, the rest without waiting; a partition EOF does not end the
//     batch) and packs them into one exactly sized Buffer (offsets, positions and bytes; see
//     Collector): one crossing and one allocation per batch. Calls back with undefined when no
//     record came.
//
//   consumeNow(client, max) -> batch | undefined
//     The same, on the calling thread and without waiting: what librdkafka has already queued,
//     popped in one rd_kafka_consume_batch_queue call (one queue lock per batch, not per record).
//
//   queued(client) -> number
//     rd_kafka_outq_len: records not yet acknowledged or reported, plus reports and other events
//     waiting to be polled. With reports only for errors, 0 after a poll means every record handed
//     over so far is acknowledged: a flush barrier without a threadpool hop per check.
//
//   watch(client, callback, main?) -> close()
//     Calls back on the event loop when the consumer's queue receives something after it was read
//     empty (librdkafka's queue IO event on a pipe, polled by libuv). With consumeNow, a consumer
//     reads on the main thread and waits with no thread hop, no timer and no busy loop.
//
// The handle is node-rdkafka's `Connection::m_client`, read through node-rdkafka's own header
// (binding.gyp compiles against the node-rdkafka it was installed with), so the layout cannot drift.

#include <nan.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "rdkafka.h"
#include "src/connection.h"

extern "C" int tmbus_raw_headers(const rd_kafka_message_t* message, const void** data, size_t* len);

namespace {

// node-rdkafka's client object -> its librdkafka handle (nullptr when not connected).
struct Peek : NodeKafka::Connection {
  static rd_kafka_t* handle(v8::Local<v8::Value> value) {
    if (!value->IsObject()) return nullptr;
    v8::Local<v8::Object> object = value.As<v8::Object>();
    if (object->InternalFieldCount() < 1) return nullptr;
    auto* c = static_cast<Peek*>(Nan::ObjectWrap::Unwrap<NodeKafka::Connection>(object));
    // As Connection::IsConnected() (defined in node-rdkafka's addon, not callable from here).
    if (c == nullptr || c->m_is_closing || c->m_client == nullptr) return nullptr;
    return c->m_client->c_ptr();
  }
};

// Per produced record, Int32 fields in `meta`.
constexpr int META_TOPIC = 0, META_PARTITION = 1, META_KEY_OFF = 2, META_KEY_LEN = 3, META_VALUE_OFF = 4,
              META_VALUE_LEN = 5, META_HEADERS_AT = 6, META_HEADERS_N = 7, META_STRIDE = 8;
// Per header, Int32 fields in `headers`: name index, value offset, value length.
constexpr int HEADER_STRIDE = 3;

std::vector<std::string> strings(v8::Local<v8::Value> value) {
  std::vector<std::string> out;
  if (!value->IsArray()) return out;
  v8::Local<v8::Array> array = value.As<v8::Array>();
  out.reserve(array->Length());
  for (uint32_t i = 0; i < array->Length(); i++) {
    Nan::Utf8String s(Nan::Get(array, i).ToLocalChecked());
    out.emplace_back(*s ? *s : "");
  }
  return out;
}

NAN_METHOD(ProduceBatch) {
  rd_kafka_t* rk = Peek::handle(info[0]);
  if (rk == nullptr) return Nan::ThrowError("produceBatch: the producer is not connected");
  if (!info[3]->IsInt32Array() || !info[4]->IsInt32Array() || !node::Buffer::HasInstance(info[5]) ||
      !info[6]->IsFloat64Array() || !info[7]->IsUint32())
    return Nan::ThrowTypeError("produceBatch: bad arguments");
  std::vector<std::string> topics = strings(info[1]);
  std::vector<std::string> names = strings(info[2]);
  v8::Local<v8::Int32Array> metaArray = info[3].As<v8::Int32Array>();
  v8::Local<v8::Int32Array> headerArray = info[4].As<v8::Int32Array>();
  v8::Local<v8::Float64Array> timeArray = info[6].As<v8::Float64Array>();
  const int32_t* meta = reinterpret_cast<const int32_t*>(
      static_cast<char*>(metaArray->Buffer()->Data()) + metaArray->ByteOffset());
  const int32_t* headers = reinterpret_cast<const int32_t*>(
      static_cast<char*>(headerArray->Buffer()->Data()) + headerArray->ByteOffset());
  const double* times = reinterpret_cast<const double*>(
      static_cast<char*>(timeArray->Buffer()->Data()) + timeArray->ByteOffset());
  const char* data = node::Buffer::Data(info[5]);
  const size_t dataLength = node::Buffer::Length(info[5]);
  const uint32_t count = Nan::To<uint32_t>(info[7]).FromJust();
  // The tag, offset by one so that no opaque (nullptr) stays distinct from tag 0.
  void* opaque = nullptr;
  if (info.Length() > 8 && info[8]->IsInt32() && Nan::To<int32_t>(info[8]).FromJust() >= 0)
    opaque = reinterpret_cast<void*>(static_cast<intptr_t>(Nan::To<int32_t>(info[8]).FromJust()) + 1);
  if (metaArray->Length() < static_cast<size_t>(count) * META_STRIDE || timeArray->Length() < count)
    return Nan::ThrowRangeError("produceBatch: arrays shorter than count");
  // Per-record ids: the opaque is -(id + 1), negative, so it never meets a tag's.
  const double* ids = nullptr;
  if (info.Length() > 9 && info[9]->IsFloat64Array()) {
    v8::Local<v8::Float64Array> idArray = info[9].As<v8::Float64Array>();
    if (idArray->Length() < count) return Nan::ThrowRangeError("produceBatch: ids shorter than count");
    ids = reinterpret_cast<const double*>(static_cast<char*>(idArray->Buffer()->Data()) + idArray->ByteOffset());
  }

  auto inData = [&](int32_t off, int32_t len) {
    return len < 0 || (off >= 0 && static_cast<size_t>(off) + static_cast<size_t>(len) <= dataLength);
  };
  // One topic handle per topic and batch: librdkafka otherwise looks each record's topic up by name.
  std::vector<rd_kafka_topic_t*> handles(topics.size(), nullptr);
  struct Release {
    std::vector<rd_kafka_topic_t*>& handles;
    ~Release() {
      for (rd_kafka_topic_t* h : handles)
        if (h != nullptr) rd_kafka_topic_destroy(h);
    }
  } release{handles};
  uint32_t accepted = 0;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (; accepted < count; accepted++) {
    const int32_t* m = meta + static_cast<size_t>(accepted) * META_STRIDE;
    if (m[META_TOPIC] < 0 || static_cast<size_t>(m[META_TOPIC]) >= topics.size() ||
        !inData(m[META_KEY_OFF], m[META_KEY_LEN]) || !inData(m[META_VALUE_OFF], m[META_VALUE_LEN]))
      return Nan::ThrowRangeError("produceBatch: a record points outside its batch");
    rd_kafka_headers_t* hdrs = nullptr;
    if (m[META_HEADERS_N] > 0) {
      hdrs = rd_kafka_headers_new(static_cast<size_t>(m[META_HEADERS_N]));
      for (int32_t h = 0; h < m[META_HEADERS_N]; h++) {
        const int32_t* e = headers + static_cast<size_t>(m[META_HEADERS_AT] + h) * HEADER_STRIDE;
        if (e[0] < 0 || static_cast<size_t>(e[0]) >= names.size() || !inData(e[1], e[2])) {
          rd_kafka_headers_destroy(hdrs);
          return Nan::ThrowRangeError("produceBatch: a header points outside its batch");
        }
        const std::string& name = names[static_cast<size_t>(e[0])];
        const void* value = e[2] < 0 ? nullptr : data + e[1];
        const ssize_t size = e[2] < 0 ? 0 : e[2];
        rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), value, size);
      }
    }
    const int32_t partition = m[META_PARTITION] < 0 ? RD_KAFKA_PARTITION_UA : m[META_PARTITION];
    const int32_t keyLen = m[META_KEY_LEN], valueLen = m[META_VALUE_LEN];
    char* key = keyLen < 0 ? nullptr : const_cast<char*>(data + m[META_KEY_OFF]);
    char* value = valueLen < 0 ? nullptr : const_cast<char*>(data + m[META_VALUE_OFF]);
    const size_t keySize = keyLen < 0 ? 0 : static_cast<size_t>(keyLen);
    const size_t valueSize = valueLen < 0 ? 0 : static_cast<size_t>(valueLen);
    rd_kafka_topic_t*& rkt = handles[static_cast<size_t>(m[META_TOPIC])];
    if (rkt == nullptr) rkt = rd_kafka_topic_new(rk, topics[static_cast<size_t>(m[META_TOPIC])].c_str(), nullptr);
    if (rkt == nullptr) {
      if (hdrs) rd_kafka_headers_destroy(hdrs);
      err = rd_kafka_last_error();
      break;
    }
    const int64_t timestamp = static_cast<int64_t>(times[accepted]);
    void* recordOpaque = opaque;
    if (ids != nullptr && ids[accepted] >= 0)
      recordOpaque = reinterpret_cast<void*>(-(static_cast<intptr_t>(ids[accepted]) + 1));
    err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, keySize),
                            RD_KAFKA_V_VALUE(value, valueSize), RD_KAFKA_V_TIMESTAMP(timestamp),
                            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(recordOpaque), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Headers are librdkafka's only once the record is accepted.
      if (hdrs) rd_kafka_headers_destroy(hdrs);
      break;
    }
  }
  v8::Local<v8::Array> result = Nan::New<v8::Array>(2);
  Nan::Set(result, 0, Nan::New<v8::Uint32>(accepted));
  Nan::Set(result, 1, Nan::New<v8::Int32>(static_cast<int32_t>(err)));
  info.GetReturnValue().Set(result);
}

// Per consumed record, Int32 fields (`meta`) and Float64 fields (`positions`).
constexpr int C_TOPIC = 0, C_PARTITION = 1, C_KEY_OFF = 2, C_KEY_LEN = 3, C_VALUE_OFF = 4, C_VALUE_LEN = 5,
              C_HEADERS_AT = 6, C_HEADERS_N = 7, C_STRIDE = 8;
constexpr int P_OFFSET = 0, P_TIMESTAMP = 1, P_STRIDE = 2;

// A JS string for a topic or header name. Batches carry the same handful every time, so each is
// made (and internalized) once per process, not once per batch; the cache is bounded and belongs to
// the first isolate that uses it (the addon is not used from worker threads).
v8::Local<v8::String> cachedString(const std::string& s) {
  struct Entry {
    std::string text;
    Nan::Persistent<v8::String>* value;
  };
  static std::vector<Entry> cache;
  static v8::Isolate* owner = nullptr;
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (owner == nullptr) owner = isolate;
  if (owner == isolate) {
    for (const Entry& e : cache)
      if (e.text == s) return Nan::New(*e.value);
  }
  v8::Local<v8::String> made = Nan::New(s.data(), static_cast<int>(s.size())).ToLocalChecked();
  if (owner == isolate && cache.size() < 256) cache.push_back({s, new Nan::Persistent<v8::String>(made)});
  return made;
}

// Consumed records packed for JS in one Buffer, allocated once per batch at its exact size:
//
//   meta      Int32 × count × C_STRIDE     (offsets below are into this same Buffer)
//   headers   Int32 × headerCount × 3      (name index, value offset, value length or -1)
//   padding   to a multiple of 8
//   positions Float64 × count × P_STRIDE   (offset, timestamp)
//   bytes     keys, values and header values
//
// beside the batch's tables of topic and header names. Records are polled first and packed after,
// so the size is known: no growing area, no realloc, and one backing store for V8 per batch instead
// of four.
class Collector {
 public:
  Collector() = default;
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;
  ~Collector() {
    for (rd_kafka_message_t* m : messages_) rd_kafka_message_destroy(m);
    free(data_);
  }

  rd_kafka_resp_err_t error() const { return error_; }

  // Polls up to `max` records as node-rdkafka's consume(n) does: the first wait up to `timeoutMs`,
  // the rest without waiting; with `eofWait`, an EOF after records waits at most 1 ms for more.
  // Then packs them. False: out of memory.
  bool poll(rd_kafka_t* rk, uint32_t max, int timeoutMs, bool eofWait) {
    int timeout = timeoutMs;
    uint32_t eofs = 0;
    while (messages_.size() < max) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, timeout);
      if (m == nullptr) break;  // timed out
      const Taken taken = take(m, max, eofs);
      if (taken == Taken::Stop) break;
      if (taken == Taken::Eof) {
        if (!messages_.empty() && eofWait) timeout = 1;
      } else {
        timeout = 0;
      }
    }
    return pack();
  }

  // What librdkafka has already queued, up to `max`, popped in one call: rd_kafka_consume_batch_queue
  // on the consumer's queue takes its lock and updates the poll interval once per batch, where
  // rd_kafka_consumer_poll does both per record. Every record popped is kept; an error is reported
  // only when no record came with it (as `poll` drops one that follows records). Then packs them.
  //
  // librdkafka (2.12) moves a partition's application position to offset + 1 of everything the
  // batch call returns, error events included, where rd_kafka_consumer_poll skips them. An
  // end-of-partition event carries the next offset to fetch, N, so the position becomes N + 1; the
  // next pause takes it as where to fetch from on resume, and record N is never returned (the gateway
  // lost one record per pause that way under load). So: with end-of-partition events on (`eofEvents`,
  // one per caught-up read) records are popped one by one; otherwise a partition whose last event in
  // the batch is an error (a failed fetch: rare) is sought back to the error's offset, which also
  // resets the position.
  bool pollNow(rd_kafka_t* rk, uint32_t max, bool eofEvents) {
    if (eofEvents) return poll(rk, max, 0, false);
    rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
    if (queue == nullptr) return poll(rk, max, 0, false);
    // Popped into a scratch array kept for the thread (a vector of `max` per call was allocated
    // and zeroed every time: ~2% of the main thread), then the records moved to messages_.
    thread_local std::vector<rd_kafka_message_t*> popped;
    if (popped.size() < max) popped.resize(max);
    const ssize_t n = rd_kafka_consume_batch_queue(queue, 0, popped.data(), max);
    rd_kafka_queue_destroy(queue);
    messages_.reserve(n > 0 ? static_cast<size_t>(n) : 0);
    rd_kafka_topic_partition_list_t* rewind = nullptr;
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t* m = popped[static_cast<size_t>(i)];
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        messages_.push_back(m);
        // A record after the error: the position it leaves is right.
        if (rewind != nullptr) rd_kafka_topic_partition_list_del(rewind, rd_kafka_topic_name(m->rkt), m->partition);
        continue;
      }
      if (m->rkt != nullptr && m->offset >= 0) {
        if (rewind == nullptr) rewind = rd_kafka_topic_partition_list_new(1);
        const char* topic = rd_kafka_topic_name(m->rkt);
        rd_kafka_topic_partition_t* tp = rd_kafka_topic_partition_list_find(rewind, topic, m->partition);
        if (tp == nullptr) tp = rd_kafka_topic_partition_list_add(rewind, topic, m->partition);
        tp->offset = m->offset;
      }
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && error_ == RD_KAFKA_RESP_ERR_NO_ERROR) {
        error_ = m->err;
        errorText_ = rd_kafka_message_errstr(m);
      }
      rd_kafka_message_destroy(m);
    }
    if (rewind != nullptr) {
      // Asynchronous (timeout 0): the partition's queued records are dropped and fetched again.
      if (rewind->cnt > 0) {
        rd_kafka_error_t* e = rd_kafka_seek_partitions(rk, rewind, 0);
        if (e != nullptr) rd_kafka_error_destroy(e);
      }
      rd_kafka_topic_partition_list_destroy(rewind);
    }
    if (n < 0) {
      error_ = rd_kafka_last_error();
      errorText_ = rd_kafka_err2str(error_);
    } else if (!messages_.empty()) {
      error_ = RD_KAFKA_RESP_ERR_NO_ERROR;  // records came: the error goes unreported, as in `poll`
    }
    return pack();
  }

  // [count, headerCount, data (an ArrayBuffer), topics, names]; undefined when no record came; or an
  // Error with librdkafka's code.
  v8::Local<v8::Value> result() {
    if (error_ != RD_KAFKA_RESP_ERR_NO_ERROR) {
      v8::Local<v8::Object> e = Nan::Error(errorText_.c_str()).As<v8::Object>();
      Nan::Set(e, Nan::New("code").ToLocalChecked(), Nan::New<v8::Int32>(static_cast<int32_t>(error_)));
      return e;
    }
    if (data_ == nullptr) return Nan::Undefined();
    v8::Isolate* isolate = v8::Isolate::GetCurrent();
    // A plain ArrayBuffer over the packed area (JS wraps it in a Buffer): node::Buffer::New over
    // external memory costs a prototype change and a weak handle per batch.
    std::shared_ptr<v8::BackingStore> store =
        v8::ArrayBuffer::NewBackingStore(data_, length_, [](void* d, size_t, void*) { free(d); }, nullptr);
    data_ = nullptr;
    v8::Local<v8::Value> fields[] = {Nan::New<v8::Uint32>(count_), Nan::New<v8::Uint32>(headerCount_),
                                     v8::ArrayBuffer::New(isolate, std::move(store)), list(topics_), list(names_)};
    return v8::Array::New(isolate, fields, 5);
  }

 private:
  enum class Taken { Record, Eof, Stop };

  // One polled message: kept (a record), skipped (an EOF), or the end of the batch (an error,
  // reported when it comes first). Destroys what it does not keep.
  Taken take(rd_kafka_message_t* m, uint32_t max, uint32_t& eofs) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      messages_.push_back(m);
      return Taken::Record;
    }
    Taken taken = Taken::Stop;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      taken = ++eofs > max ? Taken::Stop : Taken::Eof;
    } else if (messages_.empty()) {
      error_ = m->err;
      errorText_ = rd_kafka_message_errstr(m);
    }
    rd_kafka_message_destroy(m);
    return taken;
  }

  // A Kafka varint (zigzag). False past `end` or past 10 bytes.
  static bool varint(const uint8_t*& p, const uint8_t* end, int64_t& out) {
    uint64_t v = 0;
    for (int shift = 0; p < end && shift < 64; shift += 7) {
      const uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        out = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
        return true;
      }
    }
    return false;
  }

  // Calls `each(name, nameLength, value or nullptr, valueLength)` per header of `m`, in order.
  // Read from the bytes librdkafka received (tmbus_raw_headers), not through
  // rd_kafka_message_headers, which allocates a list and an entry per header (and the message's
  // destruction frees them). Headers that do not parse count as none, as librdkafka's parse
  // failing does. Returns the number of headers.
  template <typename Each>
  static size_t forEachHeader(const rd_kafka_message_t* m, Each each) {
    const void* raw = nullptr;
    size_t rawLen = 0;
    if (tmbus_raw_headers(m, &raw, &rawLen) != 0) {
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
      const char* name;
      const void* value;
      size_t size, i = 0;
      for (; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
        each(name, strlen(name), static_cast<const char*>(value), size);
      return i;
    }
    const uint8_t* p = static_cast<const uint8_t*>(raw);
    const uint8_t* end = p + rawLen;
    int64_t count = 0;
    if (rawLen == 0 || !varint(p, end, count) || count <= 0 || count > 100000) return 0;
    // Checked whole first: a malformed list adds none of its headers.
    const uint8_t* at = p;
    for (int64_t i = 0; i < count; i++) {
      int64_t keyLen = 0, valueLen = 0;
      if (!varint(at, end, keyLen) || keyLen < 0 || keyLen > end - at) return 0;
      at += keyLen;
      if (!varint(at, end, valueLen) || valueLen < -1 || valueLen > end - at) return 0;
      if (valueLen > 0) at += valueLen;
    }
    for (int64_t i = 0; i < count; i++) {
      int64_t keyLen = 0, valueLen = -1;  // as checked above
      varint(p, end, keyLen);
      const char* key = reinterpret_cast<const char*>(p);
      p += keyLen;
      varint(p, end, valueLen);
      const char* value = valueLen < 0 ? nullptr : reinterpret_cast<const char*>(p);
      if (valueLen > 0) p += valueLen;
      each(key, static_cast<size_t>(keyLen), value, valueLen < 0 ? 0 : static_cast<size_t>(valueLen));
    }
    return static_cast<size_t>(count);
  }

  static v8::Local<v8::Array> list(const std::vector<std::string>& items) {
    std::vector<v8::Local<v8::Value>> strings;
    strings.reserve(items.size());
    for (const std::string& item : items) strings.push_back(cachedString(item));
    return v8::Array::New(v8::Isolate::GetCurrent(), strings.data(), strings.size());
  }

  // A record's topic or header name -> its index in `table`. Batches carry a handful of each, so a
  // scan of lengths and bytes beats hashing a std::string per record and header.
  static int32_t indexOf(std::vector<std::string>& table, const char* s, size_t n) {
    for (size_t i = 0; i < table.size(); i++)
      if (table[i].size() == n && memcmp(table[i].data(), s, n) == 0) return static_cast<int32_t>(i);
    table.emplace_back(s, n);
    return static_cast<int32_t>(table.size() - 1);
  }

  // Copies the kept messages into one exactly sized area (see the layout above) and destroys them.
  bool pack() {
    if (messages_.empty()) return true;
    size_t bytes = 0, headerCount = 0;
    for (const rd_kafka_message_t* m : messages_) {
      if (m->key != nullptr) bytes += m->key_len;
      if (m->payload != nullptr) bytes += m->len;
      headerCount += forEachHeader(m, [&](const char*, size_t, const char* value, size_t size) {
        if (value != nullptr) bytes += size;
      });
    }
    const size_t n = messages_.size();
    const size_t headersAt = n * C_STRIDE * sizeof(int32_t);
    const size_t positionsAt = (headersAt + headerCount * 3 * sizeof(int32_t) + 7) & ~static_cast<size_t>(7);
    size_t at = positionsAt + n * P_STRIDE * sizeof(double);
    const size_t length = at + bytes;
    if (length > static_cast<size_t>(INT32_MAX)) return false;
    data_ = static_cast<char*>(malloc(length));
    if (data_ == nullptr) return false;
    length_ = length;
    count_ = static_cast<uint32_t>(n);
    headerCount_ = static_cast<uint32_t>(headerCount);
    auto* meta = reinterpret_cast<int32_t*>(data_);
    auto* headers = reinterpret_cast<int32_t*>(data_ + headersAt);
    auto* positions = reinterpret_cast<double*>(data_ + positionsAt);
    auto copy = [&](const void* from, size_t size) {
      const auto offset = static_cast<int32_t>(at);
      if (size > 0) memcpy(data_ + at, from, size);
      at += size;
      return offset;
    };
    uint32_t header = 0;
    for (size_t r = 0; r < n; r++) {
      rd_kafka_message_t* m = messages_[r];
      if (m->rkt != lastTopic_) {
        const char* topic = rd_kafka_topic_name(m->rkt);
        lastTopic_ = m->rkt;
        lastTopicIndex_ = indexOf(topics_, topic, strlen(topic));
      }
      int32_t* e = meta + r * C_STRIDE;
      e[C_TOPIC] = lastTopicIndex_;
      e[C_PARTITION] = m->partition;
      e[C_KEY_OFF] = m->key != nullptr ? copy(m->key, m->key_len) : 0;
      e[C_KEY_LEN] = m->key != nullptr ? static_cast<int32_t>(m->key_len) : -1;
      e[C_VALUE_OFF] = m->payload != nullptr ? copy(m->payload, m->len) : 0;
      e[C_VALUE_LEN] = m->payload != nullptr ? static_cast<int32_t>(m->len) : -1;
      e[C_HEADERS_AT] = static_cast<int32_t>(header);
      e[C_HEADERS_N] = static_cast<int32_t>(
          forEachHeader(m, [&](const char* name, size_t nameLen, const char* value, size_t size) {
            int32_t* h = headers + static_cast<size_t>(header) * 3;
            h[0] = indexOf(names_, name, nameLen);
            h[1] = value != nullptr ? copy(value, size) : 0;
            h[2] = value != nullptr ? static_cast<int32_t>(size) : -1;
            header++;
          }));
      rd_kafka_timestamp_type_t type;
      positions[r * P_STRIDE + P_OFFSET] = static_cast<double>(m->offset);
      positions[r * P_STRIDE + P_TIMESTAMP] = static_cast<double>(rd_kafka_message_timestamp(m, &type));
      rd_kafka_message_destroy(m);
    }
    messages_.clear();
    return true;
  }

  std::vector<rd_kafka_message_t*> messages_;
  rd_kafka_resp_err_t error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string errorText_;
  char* data_ = nullptr;
  size_t length_ = 0;
  uint32_t count_ = 0, headerCount_ = 0;
  std::vector<std::string> topics_, names_;
  const rd_kafka_topic_t* lastTopic_ = nullptr;
  int32_t lastTopicIndex_ = 0;
};

class ConsumeBatch : public Nan::AsyncWorker {
 public:
  ConsumeBatch(Nan::Callback* callback, rd_kafka_t* rk, uint32_t max, int timeoutMs)
      : Nan::AsyncWorker(callback, "tmbus:consumeBatch"), rk_(rk), max_(max), timeoutMs_(timeoutMs) {}

  void Execute() override {
    if (!batch_.poll(rk_, max_, timeoutMs_, true)) SetErrorMessage("consumeBatch: out of memory");
  }

  void HandleOKCallback() override {
    Nan::HandleScope scope;
    v8::Local<v8::Value> result = batch_.result();
    if (batch_.error() != RD_KAFKA_RESP_ERR_NO_ERROR) {
      v8::Local<v8::Value> argv[] = {result};
      callback->Call(1, argv, async_resource);
    } else {
      v8::Local<v8::Value> argv[] = {Nan::Null(), result};
      callback->Call(2, argv, async_resource);
    }
  }

 private:
  rd_kafka_t* rk_;
  uint32_t max_;
  int timeoutMs_;
  Collector batch_;
};

NAN_METHOD(ConsumeBatchMethod) {
  rd_kafka_t* rk = Peek::handle(info[0]);
  if (!info[3]->IsFunction()) return Nan::ThrowTypeError("consumeBatch: callback required");
  if (rk == nullptr) return Nan::ThrowError("consumeBatch: the consumer is not connected");
  const uint32_t max = Nan::To<uint32_t>(info[1]).FromMaybe(1);
  const int timeoutMs = Nan::To<int32_t>(info[2]).FromMaybe(0);
  auto* callback = new Nan::Callback(info[3].As<v8::Function>());
  Nan::AsyncQueueWorker(new ConsumeBatch(callback, rk, max == 0 ? 1 : max, timeoutMs < 0 ? 0 : timeoutMs));
}

// consumeNow(client, max, eofEvents) -> batch: what librdkafka has queued, up to `max`, on this
// thread, without waiting (an empty batch when nothing is). `eofEvents`: the consumer has
// enable.partition.eof on (see Collector::pollNow). Throws librdkafka's error as consumeBatch does.
NAN_METHOD(ConsumeNow) {
  rd_kafka_t* rk = Peek::handle(info[0]);
  if (rk == nullptr) return Nan::ThrowError("consumeNow: the consumer is not connected");
  const uint32_t max = Nan::To<uint32_t>(info[1]).FromMaybe(1);
  const bool eofEvents = Nan::To<bool>(info[2]).FromMaybe(false);
  Collector batch;
  if (!batch.pollNow(rk, max == 0 ? 1 : max, eofEvents)) return Nan::ThrowError("consumeNow: out of memory");
  v8::Local<v8::Value> result = batch.result();
  if (batch.error() != RD_KAFKA_RESP_ERR_NO_ERROR) return Nan::ThrowError(result);
  info.GetReturnValue().Set(result);
}

// watch(client, callback, main?) -> close(): calls `callback` on the event loop whenever records
// (or any other event) arrive on the consumer's queue after it was last read empty — or, with
// `main`, on the client's main queue (a producer's delivery reports and errors, served by
// rd_kafka_poll). librdkafka writes a byte to a pipe when an op lands on the queue
// (rd_kafka_queue_io_event_enable); libuv polls the pipe. So an idle consumer waits with no thread
// and no timer, and reads with consumeNow; a producer polls only when there is something to serve.
// close() must run before the client disconnects (it holds a reference to the queue).
struct Watch {
  uv_poll_t poll;
  int fds[2] = {-1, -1};
  rd_kafka_queue_t* queue = nullptr;
  Nan::Callback callback;
  Nan::AsyncResource resource{"tmbus:watch"};
  bool closed = false;
};

void OnReadable(uv_poll_t* handle, int status, int events) {
  auto* w = static_cast<Watch*>(handle->data);
  char drain[256];
  while (read(w->fds[0], drain, sizeof drain) > 0) {
  }
  if (w->closed) return;
  Nan::HandleScope scope;
  w->callback.Call(0, nullptr, &w->resource);
}

NAN_METHOD(CloseWatch) {
  auto* w = static_cast<Watch*>(info.Data().As<v8::External>()->Value());
  if (w->closed) return;
  w->closed = true;
  rd_kafka_queue_io_event_enable(w->queue, -1, nullptr, 0);
  rd_kafka_queue_destroy(w->queue);
  w->queue = nullptr;
  uv_poll_stop(&w->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), [](uv_handle_t* h) {
    auto* w = static_cast<Watch*>(h->data);
    close(w->fds[0]);
    close(w->fds[1]);
    delete w;
  });
}

NAN_METHOD(WatchMethod) {
  rd_kafka_t* rk = Peek::handle(info[0]);
  if (rk == nullptr) return Nan::ThrowError("watch: the client is not connected");
  if (!info[1]->IsFunction()) return Nan::ThrowTypeError("watch: callback required");
  const bool main = info.Length() > 2 && info[2]->IsTrue();
  rd_kafka_queue_t* queue = main ? rd_kafka_queue_get_main(rk) : rd_kafka_queue_get_consumer(rk);
  if (queue == nullptr) return Nan::ThrowError("watch: the client has no such queue");
  auto* w = new Watch();
  if (pipe2(w->fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    rd_kafka_queue_destroy(queue);
    delete w;
    return Nan::ThrowError("watch: pipe failed");
  }
  w->queue = queue;
  w->callback.Reset(info[1].As<v8::Function>());
  uv_poll_init(Nan::GetCurrentEventLoop(), &w->poll, w->fds[0]);
  w->poll.data = w;
  rd_kafka_queue_io_event_enable(queue, w->fds[1], "1", 1);
  uv_poll_start(&w->poll, UV_READABLE, OnReadable);
  info.GetReturnValue().Set(
      Nan::GetFunction(Nan::New<v8::FunctionTemplate>(CloseWatch, Nan::New<v8::External>(w))).ToLocalChecked());
}

NAN_METHOD(Queued) {
  rd_kafka_t* rk = Peek::handle(info[0]);
  if (rk == nullptr) return Nan::ThrowError("queued: the client is not connected");
  info.GetReturnValue().Set(Nan::New<v8::Int32>(rd_kafka_outq_len(rk)));
}

NAN_METHOD(Reports) {
  rd_kafka_t* rk = Peek::handle(info[0]);
  if (rk == nullptr) return Nan::ThrowError("reports: the producer is not connected");
  rd_kafka_queue_t* queue = rd_kafka_queue_get_main(rk);
  // Few tags are in flight at once (one per commit period): a flat list beats a map.
  std::vector<std::pair<int32_t, uint32_t>> counts;
  std::vector<double> positions;
  v8::Local<v8::Array> failures = Nan::New<v8::Array>(0);
  v8::Local<v8::Array> errors = Nan::New<v8::Array>(0);
  bool any = false, more = true;
  // Bounded, so that a producer far behind does not hold the event loop for long (`more` says so).
  for (int served = 0; served < 4096; served++) {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 0);
    if (ev == nullptr) {
      more = false;
      break;
    }
    any = true;
    switch (rd_kafka_event_type(ev)) {
      case RD_KAFKA_EVENT_DR: {
        const rd_kafka_message_t* m;
        while ((m = rd_kafka_event_message_next(ev)) != nullptr) {
          const intptr_t raw = reinterpret_cast<intptr_t>(m->_private);
          // A record that carried an id (negative opaque): its position, not a count.
          const double id = raw < 0 ? static_cast<double>(-raw - 1) : -1;
          const int32_t tag = raw < 0 ? -1 : static_cast<int32_t>(raw) - 1;
          if (raw < 0 && m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            positions.push_back(id);
            positions.push_back(m->partition);
            positions.push_back(static_cast<double>(m->offset));
            continue;
          }
          if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            v8::Local<v8::Array> f = Nan::New<v8::Array>(raw < 0 ? 6 : 5);
            if (raw < 0) Nan::Set(f, 5, Nan::New<v8::Number>(id));
            Nan::Set(f, 0, Nan::New<v8::Int32>(tag));
            Nan::Set(f, 1, Nan::New<v8::Int32>(static_cast<int32_t>(m->err)));
            Nan::Set(f, 2, Nan::New(rd_kafka_err2str(m->err)).ToLocalChecked());
            Nan::Set(f, 3, Nan::New(m->rkt ? rd_kafka_topic_name(m->rkt) : "").ToLocalChecked());
            Nan::Set(f, 4, Nan::New<v8::Int32>(m->partition));
            Nan::Set(failures, failures->Length(), f);
            continue;
          }
          auto it = std::find_if(counts.begin(), counts.end(), [tag](const auto& c) { return c.first == tag; });
          if (it == counts.end()) counts.emplace_back(tag, 1);
          else it->second++;
        }
        break;
      }
      case RD_KAFKA_EVENT_ERROR: {
        v8::Local<v8::Array> e = Nan::New<v8::Array>(3);
        Nan::Set(e, 0, Nan::New<v8::Int32>(static_cast<int32_t>(rd_kafka_event_error(ev))));
        const char* message = rd_kafka_event_error_string(ev);
        Nan::Set(e, 1, Nan::New(message ? message : "").ToLocalChecked());
        Nan::Set(e, 2, Nan::New<v8::Boolean>(rd_kafka_event_error_is_fatal(ev) != 0));
        Nan::Set(errors, errors->Length(), e);
        break;
      }
      default:  // statistics, throttling: not used by the bus
        break;
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(queue);
  if (!any) return;
  v8::Local<v8::Array> flat = Nan::New<v8::Array>(static_cast<int>(counts.size() * 2));
  for (size_t i = 0; i < counts.size(); i++) {
    Nan::Set(flat, static_cast<uint32_t>(2 * i), Nan::New<v8::Int32>(counts[i].first));
    Nan::Set(flat, static_cast<uint32_t>(2 * i + 1), Nan::New<v8::Uint32>(counts[i].second));
  }
  v8::Local<v8::Array> result = Nan::New<v8::Array>(5);
  Nan::Set(result, 0, flat);
  Nan::Set(result, 1, failures);
  Nan::Set(result, 2, errors);
  Nan::Set(result, 3, Nan::New<v8::Boolean>(more));
  if (!positions.empty()) {
    v8::Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(v8::Isolate::GetCurrent(), positions.size() * sizeof(double));
    memcpy(buffer->Data(), positions.data(), positions.size() * sizeof(double));
    Nan::Set(result, 4, v8::Float64Array::New(buffer, 0, positions.size()));
  }
  info.GetReturnValue().Set(result);
}

NAN_MODULE_INIT(Init) {
  Nan::SetMethod(target, "produceBatch", ProduceBatch);
  Nan::SetMethod(target, "consumeBatch", ConsumeBatchMethod);
  Nan::SetMethod(target, "consumeNow", ConsumeNow);
  Nan::SetMethod(target, "queued", Queued);
  Nan::SetMethod(target, "reports", Reports);
  Nan::SetMethod(target, "watch", WatchMethod);
  Nan::Set(target, Nan::New("librdkafkaVersion").ToLocalChecked(), Nan::New(rd_kafka_version_str()).ToLocalChecked());
}

}  // namespace

NODE_MODULE(tmbus_kafka, Init)
