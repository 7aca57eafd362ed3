// The peer as a game would ship it: OpenTelemetry JS web with its export pipeline (batching
// processor, OTLP/HTTP JSON exporter) and fetch instrumentation. Bundled by esbuild in
// production mode into target/bench/otel.js; the bench page calls setup().
import { trace, context, propagation } from "@opentelemetry/api";
import { WebTracerProvider } from "@opentelemetry/sdk-trace-web";
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { FetchInstrumentation } from "@opentelemetry/instrumentation-fetch";

globalThis.benchOtel = {
  setup(endpoint, propagateTo) {
    const provider = new WebTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }))],
    });
    provider.register();
    registerInstrumentations({
      instrumentations: [new FetchInstrumentation({ propagateTraceHeaderCorsUrls: propagateTo })],
    });
    return { provider, tracer: trace.getTracer("bench"), trace, context, propagation };
  },
  // A provider that keeps ended spans in memory, to hand the same spans to the serialiser.
  memory() {
    const exporter = new InMemorySpanExporter();
    const provider = new WebTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    return { tracer: provider.getTracer("bench"), spans: () => exporter.getFinishedSpans(), reset: () => exporter.reset() };
  },
  serialize: (spans) => JsonTraceSerializer.serializeRequest(spans),
};
