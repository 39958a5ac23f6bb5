# Driftwatch for deploy/20-deployment.yaml. Not built in CI (no Docker engine there); its steps
# were replayed by hand, see docs/security.md "Not yet".
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# `prepare` (which compiles the CLI) skips itself here: the sources come in with the next COPY.
RUN npm ci
COPY . .
RUN npm run prepare && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
COPY --from=build /app /app
USER 10001:10001
EXPOSE 3000
# `npm start`: scripts/serve.ts as `npm run build` compiled it; the bind address follows the auth
# mode (none: 127.0.0.1 only).
ENTRYPOINT ["node", "scripts/start.mjs"]
