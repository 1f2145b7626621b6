// Public surface of the gateway: the factory, its configuration, the decoder contract, the policy
// and routing tables (to extend them), the metrics shape, and the wire protocol shared with the
// client SDK (which itself is the `./gateway/client` export). Everything else is internal.

export { apiKeyDigest } from './auth/apiKeys.js';
export type { ApiKeyConfig, AuthConfig, JwtConfig } from './auth/authConfig.js';
export type { Principal } from './auth/principal.js';
export { DEFAULT_ROLE_PATTERNS, type PolicyConfig } from './authz/policy.js';
export {
  type ChannelRouter,
  createChannelRouter,
  DEFAULT_ROUTES,
  type RouteRule,
} from './channels/routing.js';
export * from './client/channels.js';
export * from './client/protocol.js';
export {
  type GatewayConfig,
  type GatewayConfigInput,
  gatewayConfigSchema,
  parseGatewayConfig,
  type StandaloneGatewayConfigInput,
} from './config.js';
export type { GatewayServer, GatewaySocket, SocketData } from './context.js';
export { avroEventDecoder, type EventDecoder } from './decoder.js';
export type { LaneSink, LaneSource, LaneSourceFactory } from './delivery/laneSource.js';
export { LaneFeedHistory } from './embedded/laneFeedHistory.js';
export { LaneFeedSource } from './embedded/laneFeedSource.js';
export { createGateway, type Gateway, type GatewayDependencies } from './gateway.js';
export { GatewayMetrics, type GatewayMetricsSnapshot } from './metrics.js';
export type { HistoryReader } from './replay/historyReader.js';
