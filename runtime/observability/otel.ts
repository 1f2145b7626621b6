// Starts the OpenTelemetry Node SDK when the standard OTEL_* variables ask for traces
// (OTEL_TRACES_EXPORTER=otlp|console|zipkin, or OTEL_EXPORTER_OTLP_ENDPOINT set); exporter,
// endpoint, sampler (OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0.01)
// and resource all come from those variables, as every OpenTelemetry user expects. Returns
// undefined otherwise, and the runtime then does no tracing work at all.

import { type Tracer, trace } from '@opentelemetry/api';

export interface Tracing {
  readonly tracer: Tracer;
  stop(): Promise<void>;
}

export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const exporter = env.OTEL_TRACES_EXPORTER;
  if (env.OTEL_SDK_DISABLED === 'true' || exporter === 'none') return false;
  return (
    Boolean(exporter) || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  );
}

export async function startTracing(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Tracing | undefined> {
  if (!tracingRequested(env)) return undefined;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({ serviceName: env.OTEL_SERVICE_NAME ?? serviceName });
  sdk.start();
  return { tracer: trace.getTracer('@trademaster/event-bus'), stop: () => sdk.shutdown() };
}
