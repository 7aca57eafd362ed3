// What a game ships to get what playtrace gives: the OpenTelemetry JS web tracer with its
// export pipeline and fetch instrumentation, and nothing of the bench. Measured for `size`.
import { trace } from "@opentelemetry/api";
import { WebTracerProvider } from "@opentelemetry/sdk-trace-web";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { FetchInstrumentation } from "@opentelemetry/instrumentation-fetch";

const provider = new WebTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
provider.register();
registerInstrumentations({ instrumentations: [new FetchInstrumentation()] });
globalThis.tracer = trace.getTracer("game");
