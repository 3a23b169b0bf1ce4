# syntax=docker/dockerfile:1
# One image for every borica-flows process; the command picks which one runs:
#   worker/main.ts (default), webhook-receiver/main.ts, codec/codec-server-main.ts, sandbox/main.ts
# TypeScript runs through tsx, a runtime dependency, so the image carries sources, not a build.

ARG NODE_IMAGE=node:20.19.5-bookworm-slim

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the native parts (Temporal core bridge, swc, esbuild) ship as prebuilt packages.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    DOCUMENT_STORE_DIR=/var/lib/borica-flows/documents \
    SANDBOX_PKI_DIR=/var/lib/borica-flows/sandbox-pki
WORKDIR /app

# Named volumes mounted here start out owned by the unprivileged user.
RUN mkdir -p /var/lib/borica-flows/documents /var/lib/borica-flows/sandbox-pki \
    && chown -R node:node /var/lib/borica-flows

COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY borica ./borica
COPY activities ./activities
COPY workflows ./workflows
COPY worker ./worker
COPY webhook-receiver ./webhook-receiver
COPY client ./client
COPY codec ./codec
COPY common ./common
COPY sandbox ./sandbox

USER node
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["worker/main.ts"]
