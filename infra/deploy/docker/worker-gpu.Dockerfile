# syntax=docker/dockerfile:1
# Worker image, GPU: the NVIDIA CUDA runtime (cuDNN included) with Node 20 and the native
# TensorFlow backend, built into the image by `hypersweep backend install tensorflow-gpu`
# (a pinned TensorFlow wheel from PyPI, and tfjs-node-gpu's addon compiled against it).
# Build from the repository root:
#   docker build -f infra/deploy/docker/worker-gpu.Dockerfile -t hypersweep-worker-gpu:0.1.0 .
FROM node:20-bookworm-slim AS node

FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04

# Node from the official image (same major as the CPU image), not a distribution package.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm

# What the backend installer needs: Python with venv and pip for the wheel, a C++ toolchain
# for node-gyp. Distribution versions float with the base image's archive, hence unpinned.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates g++ make python3 python3-pip python3-venv \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --gid 1000 hypersweep && useradd --uid 1000 --gid 1000 --create-home hypersweep
ENV NODE_ENV=production \
    HYPERSWEEP_STATE_DIR=/tmp/hypersweep \
    HYPERSWEEP_CACHE_DIR=/home/hypersweep/.cache/hypersweep
WORKDIR /app

COPY --chown=hypersweep:hypersweep package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --chown=hypersweep:hypersweep . .

USER 1000:1000
# Installs into HYPERSWEEP_CACHE_DIR, inside the image: pods start ready to train.
RUN node bin/hypersweep.js backend install tensorflow-gpu

EXPOSE 9464
ENTRYPOINT ["node", "bin/hypersweep.js", "worker"]
CMD ["--pool", "gpu", "--backend", "tensorflow-gpu"]
