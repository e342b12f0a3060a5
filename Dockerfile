# The nixeval service image: `nixeval serve` by default, `nixeval worker` for the workers of the
# Redis-backed deployment (docker-compose.yml). Configuration comes from the environment
# variables README.md lists (PORT, NIXEVAL_WORKERS, NIXEVAL_ALLOWED_ROOTS, REDIS_URL, ...).
#
# Layers are ordered for the build cache: dependencies (package-lock.json) change rarely and
# are installed before the sources are copied. The image runs as the base image's `node` user,
# writes nothing to its filesystem (it runs with --read-only), and `node` itself is PID 1, so
# SIGTERM reaches the server, which then finishes in-flight work before it exits.

# Build: every dependency, then the compiler, over the sources only (no tests, no benchmarks),
# then the bundle of `nixeval instantiate` with its code cache (scripts/bundle.ts, as
# `npm run build` makes it; made with this image's Node, which the code cache must match).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY routes ./routes
COPY workers ./workers
COPY queue ./queue
COPY scripts ./scripts
RUN npx tsc -p tsconfig.json --sourceMap false && node dist/scripts/bundle.js

# Production dependencies only.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The base image's unprivileged `node` user, by number so that runtimes can check it is not root.
USER 1000:1000
EXPOSE 8080
# Liveness of the server (and of a worker, which serves /health on the same port).
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 CMD ["node", "dist/src/cli.cjs", "health"]
ENTRYPOINT ["node", "dist/src/cli.cjs"]
CMD ["serve"]
