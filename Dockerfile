# syntax=docker/dockerfile:1.7
# One image for every process of the distributed deployment: `ctr serve`, `ctr worker`, `ctr daily`
# (and the one-off `ctr migrate`, `ctr backfill`, ...). Build context: the repository root.
#
#   docker build -t ctr-engine .
#   docker run --rm ctr-engine --help
#   docker run --rm -p 3000:3000 --env-file ctr.env ctr-engine serve
#
# The app runs its TypeScript source through tsx (jobs/bin/ctr.js): there is no build output, so the
# image holds the workspaces' source and their production node_modules (tsx is a dependency of jobs).

ARG NODE_VERSION=20.19

# ---- build: production dependencies, with the toolchain native packages need ----------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 compiles with node-gyp when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# The npm of package.json "packageManager": it wrote the lockfile, and npm 11 runs install scripts only
# for the packages listed in package.json "allowScripts" (native builds of better-sqlite3, chdb, DuckDB).
RUN npm install -g npm@11.19.1
WORKDIR /app
# Manifests first: the dependency layer is rebuilt only when a manifest or the lockfile changes.
COPY package.json package-lock.json ./
COPY schemas/package.json schemas/
COPY workers/package.json workers/
COPY query-api/package.json query-api/
COPY jobs/package.json jobs/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY schemas/ schemas/
COPY workers/ workers/
COPY query-api/ query-api/
COPY jobs/ jobs/

# ---- runtime: no compiler, non-root, tini as PID 1 ---------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini forwards SIGTERM to node (the worker's graceful shutdown depends on it) and reaps any child process.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Owned by root and read-only to the app user: the process cannot rewrite its own code.
COPY --from=build /app /app
# The only place the app writes (CTR_DATA_DIR defaults to ./data); tsx caches in /tmp.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/jobs/bin/ctr.js"]
CMD ["serve"]
