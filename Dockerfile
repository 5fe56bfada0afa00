# Poort: production image. Build: docker build -t poort .   Run: see README (MONGODB_URI, ISSUER, secrets).
# Node 24 runs the TypeScript sources directly (type stripping; Node only refuses it under node_modules/).
ARG NODE_IMAGE=node:24-bookworm-slim

# Production dependencies only. The `node` devDependency (a Node 24 binary for development machines) is left out:
# the base image is Node 24. argon2's install script (approved in package.json "allowScripts") finds the prebuilt
# binary shipped in the package (linux x64/arm64, glibc and musl), so no compiler is needed.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
# NODE_COMPILE_CACHE: V8's compiled code of every module, filled below at build time, so that each container starts
# without parsing or type-stripping Poort's ~1,000 modules (docs/benchmarks.md). Read-only at run time.
# MALLOC_ARENA_MAX=1: one glibc arena for all threads, so the 19 MiB a password hash frees is reused by the next hash
# on any thread instead of staying resident in each of the thread pool's arenas (package.json "start" sets it too).
ENV NODE_ENV=production \
    PORT=3000 \
    NODE_COMPILE_CACHE=/app/.compile-cache \
    MALLOC_ARENA_MAX=1
WORKDIR /app
# Files stay owned by root: the server (user `node`) reads them and never writes to its own directory.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY config ./config
COPY src ./src
COPY interactions ./interactions
COPY views ./views
COPY assets ./assets
RUN ["node", "src/start.js", "--fill-compile-cache"]
# The base image's `node` user by number (uid and gid 1000 in the official Node images): a runtime can then tell that
# it is not root without reading the image's /etc/passwd (Kubernetes' runAsNonRoot).
USER 1000:1000
EXPOSE 3000
# No curl in slim images: Node's own fetch. /healthz answers over plain HTTP even with an https ISSUER.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The start command of package.json ("start"), flag for flag, its MALLOC_ARENA_MAX in ENV above (a test keeps them
# equal): V8's young generation capped at
# 2 MiB semi-spaces and its old generation at 128 MiB, measured in docs/benchmarks.md. In a container with a memory
# limit below that, Node sizes the heap from the limit by itself.
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=128", "src/start.js"]
