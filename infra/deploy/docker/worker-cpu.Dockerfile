# syntax=docker/dockerfile:1
# Worker image, CPU: `hypersweep worker` on Node 20 with the built-in tfjs backends (wasm, cpu).
# Build from the repository root:
#   docker build -f infra/deploy/docker/worker-cpu.Dockerfile -t hypersweep-worker-cpu:0.1.0 .
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    HYPERSWEEP_STATE_DIR=/tmp/hypersweep \
    HYPERSWEEP_CACHE_DIR=/home/node/.cache/hypersweep
WORKDIR /app

# Dependencies first: this layer is reused while only the sources change. Optional packages
# (tfjs-node's prebuilt native addon) are left out: native backends come from
# `hypersweep backend install` (see worker-gpu.Dockerfile).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node . .

# The image's `node` user (uid 1000), never root; the manifests run it with runAsUser 1000.
USER 1000:1000
EXPOSE 9464
# Node is PID 1 and handles SIGTERM itself: stop polling, finish the epoch, checkpoint, exit.
ENTRYPOINT ["node", "bin/hypersweep.js", "worker"]
CMD ["--pool", "cpu"]
