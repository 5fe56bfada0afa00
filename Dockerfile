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
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
# Files stay owned by root: the server (user `node`) reads them and never writes to its own directory.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY config ./config
COPY src ./src
COPY interactions ./interactions
COPY views ./views
COPY assets ./assets
USER node
EXPOSE 3000
# No curl in slim images: Node's own fetch. /healthz answers over plain HTTP even with an https ISSUER.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "src/main.ts"]
