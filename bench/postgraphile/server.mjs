// PostGraphile 5 for bench/run.py: the server a user would put in front of this database
// instead of the gateway, in its production settings (no GraphiQL, no watch mode, no explain,
// NODE_ENV=production). Started by run.py with this package's own Node 22:
//
//   PGL_DATABASE_URL=postgres://... PGL_PORT=5678 node_modules/.bin/node server.mjs
//
// Settings (environment):
//   PGL_DATABASE_URL  the role it connects as (required): the database owner for the plain
//                     variant, the gateway's application role for "+ RLS"
//   PGL_PORT          port on 127.0.0.1 (required)
//   PGL_PG_SETTINGS   JSON object of settings for every request (e.g. {"app.user_id": "1", ...}):
//                     PostGraphile then opens a transaction per request and sets them with
//                     set_config(..., true), as it does for RLS in production; absent: none
//   PGL_POOL_SIZE     pg pool per process (default 10, the gateway's DB_POOL_SIZE default)
//   PGL_WORKERS       processes (default 1); more: Node's cluster module, see below
//
// GET /healthz answers 200 once the schema is built (run.py waits for it).
import cluster from "node:cluster";
import { createServer } from "node:http";

import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

const url = process.env.PGL_DATABASE_URL;
const port = Number(process.env.PGL_PORT);
const workers = Number(process.env.PGL_WORKERS || "1");
const poolSize = Number(process.env.PGL_POOL_SIZE || "10");
const settings = process.env.PGL_PG_SETTINGS ? JSON.parse(process.env.PGL_PG_SETTINGS) : null;
if (!url || !port || !(workers >= 1) || !(poolSize >= 1)) {
  console.error("PGL_DATABASE_URL and PGL_PORT are required; PGL_WORKERS and PGL_POOL_SIZE must be >= 1");
  process.exit(2);
}

// N processes: the cluster module (the primary owns the listening socket and hands each new
// connection to the workers round-robin, Node's default on Linux). That is how PostGraphile's own
// docs run it on several cores, and it spreads wrk's keep-alive connections evenly (a shared
// accept queue can give one worker most of them); once a connection is handed over, its requests
// go straight to the worker, so the primary costs nothing per request.
if (workers > 1 && cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  for (let i = 0; i < workers; i++) cluster.fork();
  // Ready when every worker listens (each builds its own schema): until then /healthz says 503,
  // so run.py does not start measuring N processes while fewer serve.
  let listening = 0;
  cluster.on("listening", () => {
    if (++listening === workers) for (const w of Object.values(cluster.workers)) w.send("all-listening");
  });
  let stopping = false;
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.process.kill("SIGTERM");
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  cluster.on("exit", (w, code, signal) => {
    if (!stopping) {
      // one worker down means the figures are not N processes' any more: stop, run.py reports it
      console.error(`worker ${w.process.pid} exited (${code ?? signal}); stopping`);
      stop();
      process.exitCode = 1;
    }
  });
} else {
  const preset = {
    extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
    pgServices: [
      makePgService({
        connectionString: url,
        schemas: ["public"],
        poolConfig: { max: poolSize },
        pubsub: false, // no subscriptions: no LISTEN connection held
        // A function, as a server deriving them from the caller would have: evaluated per request.
        ...(settings ? { pgSettings: () => ({ ...settings }) } : {}),
      }),
    ],
    // The application role may not create the watch event triggers; there is no watch anyway.
    gather: { installWatchFixtures: false },
    grafserv: { port, graphqlPath: "/graphql", graphiql: false, watch: false },
    grafast: { explain: false },
  };

  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  await pgl.getSchemaResult(); // build the schema before accepting requests
  // createHandler (not addTo) so /healthz can be answered beside it; no websockets needed here.
  const handler = serv.createHandler();
  let ready = cluster.isPrimary; // a lone process is ready once it listens; a worker when all are
  process.on("message", (msg) => {
    if (msg === "all-listening") ready = true;
  });
  const server = createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(ready ? 200 : 503, { "Content-Type": "application/json" });
      res.end(ready ? '{"status":"ok"}' : '{"status":"starting"}');
      return;
    }
    handler(req, res);
  });
  server.keepAliveTimeout = 65_000; // wrk keeps its connections; do not close them under it
  server.listen(port, "127.0.0.1");
  const shutdown = () => {
    server.close();
    pgl.release().finally(() => process.exit(0));
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
