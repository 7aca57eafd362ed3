// A small game server as studios write them: net/http with the OpenTelemetry Go SDK's otelhttp
// middleware, the W3C trace-context and baggage propagators, a parent-based sampler, and spans
// exported over OTLP/HTTP to a collector. The interop tests point playtrace's fetch at it.
//
//	gameserver -otlp http://127.0.0.1:4318 -allow-origin http://127.0.0.1:8080
//
// It listens on 127.0.0.1 (a free port unless -addr says otherwise), prints "listening URL" once
// ready, and stops on SIGINT or SIGTERM after flushing its spans.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	otlp := flag.String("otlp", "http://127.0.0.1:4318", "the collector's OTLP/HTTP base URL")
	allowOrigin := flag.String("allow-origin", "", "the game page's origin, answered to CORS")
	flag.Parse()

	ctx := context.Background()
	exporter, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(*otlp, "/")+"/v1/traces"))
	if err != nil {
		log.Fatalf("exporter: %v", err)
	}
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter, sdktrace.WithBatchTimeout(100*time.Millisecond)),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "game-server"))),
	)
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))

	mux := http.NewServeMux()
	mux.HandleFunc("/api/level/", func(w http.ResponseWriter, r *http.Request) {
		span := trace.SpanFromContext(r.Context())
		tier := baggage.FromContext(r.Context()).Member("player.tier").Value()
		span.SetAttributes(attribute.String("game.player_tier", tier))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"level":   strings.TrimPrefix(r.URL.Path, "/api/level/"),
			"traceId": span.SpanContext().TraceID().String(),
			"sampled": span.SpanContext().IsSampled(),
			"tier":    tier,
		})
	})
	handler := cors(*allowOrigin, otelhttp.NewHandler(mux, "game-server",
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path })))

	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = server.Serve(listener) }()
	fmt.Printf("listening http://%s\n", listener.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	shutdown, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = server.Shutdown(shutdown)
	_ = provider.Shutdown(shutdown)
}

// cors answers the game's origin as an API in playtrace's propagateTo must: the trace headers
// allowed, the preflight cached.
func cors(origin string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin != "" && r.Header.Get("Origin") == origin {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Vary", "Origin")
			if r.Method == http.MethodOptions {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
				w.Header().Set("Access-Control-Allow-Headers", "content-type, traceparent, tracestate, baggage")
				w.Header().Set("Access-Control-Max-Age", "7200")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
