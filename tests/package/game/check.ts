// Compiled with tsc --strict in every setup: the package's declarations as a game uses them.
import load, { init, getTracer, ready, type Span, type Tracer, type PlaytraceConfig, type TracerStats } from "playtrace";

const config: PlaytraceConfig = { serviceName: "game", endpoint: "http://127.0.0.1:4318/v1/traces", debug: true };
const tracer: Tracer = init(config);
const again: Tracer | undefined = getTracer();
const preloaded: Promise<void> = load();

interface Level { id: number; name: string }

async function play(): Promise<number> {
  const level: Level = await tracer.action("load-level", { attributes: { "level.id": 1 } }, async (span: Span) => {
    span.setAttribute("level.cached", false);
    const response = await fetch("/api/level/1");
    return (await response.json()) as Level;
  });
  // action<T> returns Promise<T>: a synchronous fn's value comes back as a promise too.
  const count: number = await tracer.action("count", undefined, () => 3);
  const ready_: Tracer | undefined = await ready();
  const stats: TracerStats = tracer.stats();
  return level.id + count + stats.spansStarted + (ready_ === again ? 0 : 1);
}

void preloaded;
void play();
