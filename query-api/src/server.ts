import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { AppEnv } from "./app_env.ts";
import { answerClientErrors, MAX_HEADER_BYTES } from "./client_error.ts";

export interface ServeOptions {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** Interface to listen on. Default all interfaces (`0.0.0.0`). */
  hostname?: string;
  /** How long a graceful close waits for open requests before cutting them. Default 10,000 ms. */
  drainMs?: number;
  /**
   * How long an idle kept-alive connection stays open. Default 65,000 ms: Node's own 5 s would make
   * a front-end that asks every few seconds pay a new connection per request, and a load balancer
   * (idle timeouts of 60 s are common) must close first, or it may send a request onto a socket
   * this server is closing (a 502).
   */
  keepAliveMs?: number;
}

/** A listening API: where it is, and how to stop it. */
export interface RunningServer {
  port: number;
  url: string;
  /** Stops accepting, lets open requests finish (up to drainMs), then closes the sockets. */
  close(): Promise<void>;
}

/** Serves the app over HTTP with @hono/node-server; resolves once it listens. */
export function startServer(
  app: Hono<AppEnv>,
  { port, hostname = "0.0.0.0", drainMs = 10_000, keepAliveMs = 65_000 }: ServeOptions,
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const options = { fetch: app.fetch, port, hostname, serverOptions: { maxHeaderSize: MAX_HEADER_BYTES } };
    const server = serve(options, (info: AddressInfo) => {
      const host = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
      resolve({
        port: info.port,
        url: `http://${host}:${info.port}`,
        close: () => closeGracefully(server as Server, drainMs),
      });
    }) as Server;
    server.keepAliveTimeout = keepAliveMs;
    // The time to a request's headers must outlast the idle time, or Node cuts a reused socket early.
    server.headersTimeout = Math.max(server.headersTimeout, keepAliveMs + 1_000);
    answerClientErrors(server);
    server.once("error", reject);
  });
}

function closeGracefully(server: Server, drainMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), drainMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    // Keep-alive sockets with no request in flight would hold close() open until they time out.
    server.closeIdleConnections();
  });
}
