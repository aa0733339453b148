// Worker entry when the CLI runs from source (tsx): registers tsx in this thread, then loads the worker.
import { register } from "tsx/esm/api";

register();
await import("./swarm-worker.ts");
