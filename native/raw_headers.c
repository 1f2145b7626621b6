/* A consumed message's headers as librdkafka received them, unparsed (see kafka_batch.cc, pack).
 *
 * rd_kafka_message_headers() parses them into a list with one allocation per header, freed again
 * when the message is destroyed: on the benchmark's burst that was ~7% of the main thread for four
 * headers a record. The bytes are already in the fetch buffer the message points into; this hands
 * them over as they are. It reads librdkafka's private message struct, so it is compiled against
 * the very source tree node-rdkafka built its librdkafka from (binding.gyp), and the addon refuses
 * to load beside any other librdkafka version (native-batch.ts). */

#include "rdkafka_int.h"
#include "rdkafka_msg.h"

/* 0 and the serialized headers (a varint count, then per header a varint key length, the key, a
 * varint value length (-1: null) and the value; `*len` 0 when there are none) of a consumed
 * message whose headers were not parsed yet; -1 otherwise (read them with rd_kafka_message_headers). */
int tmbus_raw_headers(const rd_kafka_message_t *message, const void **data, size_t *len) {
        const rd_kafka_msg_t *rkm = (const rd_kafka_msg_t *)message;
        if (rkm->rkm_headers != NULL || (rkm->rkm_flags & RD_KAFKA_MSG_F_PRODUCER))
                return -1;
        *data = rkm->rkm_u.consumer.binhdrs.data;
        *len  = RD_KAFKAP_BYTES_LEN(&rkm->rkm_u.consumer.binhdrs) > 0
                   ? (size_t)RD_KAFKAP_BYTES_LEN(&rkm->rkm_u.consumer.binhdrs)
                   : 0;
        return 0;
}
