# The EDP image: `edp worker` and the other `edp` commands, for docker-compose.yml or any container platform
# (docs/deploy.md#docker). No config and no secret is in the image: the config file is mounted at
# /app/edp.config.yaml (beside the dbt project and the quality rules it names with relative paths) and
# secrets arrive as environment variables or mounted files that the config names.

# Runtime dependencies only, from the lock file. tsx is one (and brings esbuild, which bin/ts-cache.js uses to
# transpile the TypeScript sources): there is no build step, so no dev dependency is needed at run time.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` runs `prepare` (bin/ts-cache.js --fill), which transpiles nothing yet: the sources come later.
COPY bin ./bin
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY lib ./lib
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY cli ./cli
COPY console ./console
COPY infra ./infra
COPY models ./models
COPY quality ./quality
# Transpiled here, after the sources, so the cache headers match these files' sizes and mtimes. The cache and
# the state folder belong to the unprivileged user; the sources stay root's and read-only to it.
RUN node bin/ts-cache.js --fill && mkdir -p .edp && chown -R node:node dist .edp
USER node
# The state folder (edp.config.yaml's stateDir `.edp`): a volume, so DuckDB files and worker state survive.
VOLUME ["/app/.edp"]
ENTRYPOINT ["node", "bin/edp.js"]
CMD ["worker"]
