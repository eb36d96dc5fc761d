# syntax=docker/dockerfile:1.7
# One image for every process of the distributed deployment: `ctr serve`, `ctr worker`, `ctr daily`
# (and the one-off `ctr migrate`, `ctr backfill`, ...). Build context: the repository root.
#
#   docker build -t ctr-engine .
#   docker run --rm ctr-engine --help
#   docker run --rm -p 3000:3000 --env-file ctr.env ctr-engine serve
#
# The image runs the compiled CLI (jobs/dist, written by the build stage's `npm ci` through the root
# prepare script) with the production node_modules: no TypeScript, no tsx, no compiler at run time.
# Node 24, the current LTS: the Node of package.json "engines" and the one CI tests (.ci/node).

ARG NODE_VERSION=24

# ---- build: dependencies, the compiled CLI, then only the production dependencies ------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 compiles with node-gyp when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# The npm of package.json "packageManager": it wrote the lockfile, and npm 11 runs install scripts only
# for the packages listed in package.json "allowScripts" (native builds of better-sqlite3, chdb, DuckDB).
RUN npm install -g npm@11.19.1
WORKDIR /app
# npm ci runs the root prepare script, which bundles the sources into jobs/dist: they come first.
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY schemas/ schemas/
COPY workers/ workers/
COPY query-api/ query-api/
COPY jobs/ jobs/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund
# What runs, gathered in /runtime: the production node_modules (the root's, and jobs' own when npm
# nested a version there), the bin and the bundle with its assets (migrations, static pages).
RUN mkdir -p /runtime/jobs \
 && cp -a package.json node_modules /runtime/ \
 && cp -a jobs/package.json jobs/bin jobs/dist /runtime/jobs/ \
 && if [ -d jobs/node_modules ]; then cp -a jobs/node_modules /runtime/jobs/; fi

# ---- runtime: no compiler, non-root, tini as PID 1 ---------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini forwards SIGTERM to node (the worker's graceful shutdown depends on it) and reaps any child process.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Owned by root and read-only to the app user: the process cannot rewrite its own code. Only what runs
# (/runtime of the build stage): no TypeScript source.
COPY --from=build /runtime /app
# The only place the app writes (CTR_DATA_DIR defaults to ./data).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/jobs/bin/ctr.js"]
CMD ["serve"]
