// The real-time peer of the gateway benchmark: a small server on the centrifuge library (the core
// of Centrifugo) fed from the same Kafka lane topics as our gateway. It consumes the lanes from
// their end (franz-go, partitions assigned directly), decodes each Confluent-framed Avro record with
// its writer schema from the registry (hamba/avro; schemas cached by id) — the same work our
// gateway does — routes it to a channel like ours (market:<header.symbol>, orders:<payload.accountId>)
// and publishes it as JSON. Clients connect over WebSocket with an HS256 JWT (sub = user) and may
// subscribe to market: and orders: channels. Prints "READY <port>" once listening and consuming.
//
//	go run . --brokers 127.0.0.1:19092 --registry http://127.0.0.1:18081/apis/ccompat/v7 \
//	  --topics lane-a,lane-b --secret S --issuer I --audience A
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/centrifugal/centrifuge"
	"github.com/golang-jwt/jwt/v5"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:19092", "Kafka bootstrap servers")
	registry := flag.String("registry", "http://127.0.0.1:18081/apis/ccompat/v7", "Confluent-compatible registry URL")
	topics := flag.String("topics", "", "lane topics, comma-separated")
	secret := flag.String("secret", "", "HS256 secret of client tokens")
	issuer := flag.String("issuer", "", "expected token issuer")
	audience := flag.String("audience", "", "expected token audience")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	if *topics == "" || *secret == "" {
		log.Fatal("--topics and --secret are required")
	}

	node, err := centrifuge.New(centrifuge.Config{LogLevel: centrifuge.LogLevelError})
	if err != nil {
		log.Fatal(err)
	}
	key := []byte(*secret)
	node.OnConnecting(func(_ context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(e.Token, claims, func(*jwt.Token) (any, error) { return key, nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(*issuer), jwt.WithAudience(*audience))
		if err != nil {
			return centrifuge.ConnectReply{}, centrifuge.ErrorUnauthorized
		}
		sub, _ := claims.GetSubject()
		return centrifuge.ConnectReply{Credentials: &centrifuge.Credentials{UserID: sub}}, nil
	})
	node.OnConnect(func(client *centrifuge.Client) {
		client.OnSubscribe(func(e centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
			if strings.HasPrefix(e.Channel, "market:") || strings.HasPrefix(e.Channel, "orders:") {
				cb(centrifuge.SubscribeReply{}, nil)
				return
			}
			cb(centrifuge.SubscribeReply{}, centrifuge.ErrorPermissionDenied)
		})
	})
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}

	client, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(*brokers, ",")...),
		kgo.ConsumeTopics(strings.Split(*topics, ",")...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()),
		kgo.FetchMaxWait(10*time.Millisecond),
	)
	if err != nil {
		log.Fatal(err)
	}
	schemas := &schemaCache{url: strings.TrimRight(*registry, "/"), byID: map[uint32]avro.Schema{}}
	go consume(client, schemas, node)

	mux := http.NewServeMux()
	mux.Handle("/connection/websocket", centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{}))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = http.Serve(ln, mux) }()
	fmt.Printf("READY %d\n", ln.Addr().(*net.TCPAddr).Port)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	client.Close()
	_ = node.Shutdown(context.Background())
}

func consume(client *kgo.Client, schemas *schemaCache, node *centrifuge.Node) {
	for {
		fetches := client.PollFetches(context.Background())
		if fetches.IsClientClosed() {
			return
		}
		fetches.EachRecord(func(r *kgo.Record) {
			event, err := schemas.decode(r.Value)
			if err != nil {
				log.Printf("undecodable record %s[%d]@%d: %v", r.Topic, r.Partition, r.Offset, err)
				return
			}
			channel := channelOf(event)
			if channel == "" {
				return
			}
			data, err := json.Marshal(map[string]any{"event": plain(event), "topic": r.Topic, "partition": r.Partition, "offset": r.Offset})
			if err != nil {
				log.Printf("cannot encode: %v", err)
				return
			}
			if _, err := node.Publish(channel, data); err != nil {
				log.Printf("publish %s: %v", channel, err)
			}
		})
	}
}

// channelOf routes like the gateway's defaults: market data by header.symbol, orders by payload.accountId.
func channelOf(event map[string]any) string {
	header, _ := event["header"].(map[string]any)
	if symbol, ok := unwrap(header["symbol"]).(string); ok && symbol != "" {
		return "market:" + symbol
	}
	payload, _ := unwrap(event["payload"]).(map[string]any)
	if account, ok := unwrap(payload["accountId"]).(string); ok && account != "" {
		return "orders:" + account
	}
	return ""
}

// unwrap looks through one level of union wrapping ({"full.Name": value}).
func unwrap(v any) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for k, inner := range m {
			if strings.Contains(k, ".") || k == "string" {
				return inner
			}
		}
	}
	return v
}

// plain makes decoded Avro JSON-friendly like our gateway's events: timestamps as epoch ms, decimals as strings.
func plain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = plain(val)
		}
		return out
	case []any:
		for i := range x {
			x[i] = plain(x[i])
		}
		return x
	case time.Time:
		return x.UnixMilli()
	case *big.Rat:
		return x.FloatString(4)
	default:
		return v
	}
}

type schemaCache struct {
	url  string
	mu   sync.Mutex
	byID map[uint32]avro.Schema
}

func (c *schemaCache) decode(b []byte) (map[string]any, error) {
	if len(b) < 5 || b[0] != 0 {
		return nil, fmt.Errorf("not Confluent-framed")
	}
	schema, err := c.schema(binary.BigEndian.Uint32(b[1:5]))
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := avro.Unmarshal(schema, b[5:], &out); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *schemaCache) schema(id uint32) (avro.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.byID[id]; ok {
		return s, nil
	}
	res, err := http.Get(fmt.Sprintf("%s/schemas/ids/%d", c.url, id))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	var reply struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		return nil, fmt.Errorf("registry answered %d: %s", res.StatusCode, body)
	}
	s, err := avro.Parse(reply.Schema)
	if err != nil {
		return nil, err
	}
	c.byID[id] = s
	return s, nil
}
