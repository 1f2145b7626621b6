// The typed client SDK of the gateway (package export `./gateway/client`), over socket.io-client.
// It connects with a token, subscribes with acknowledgements, keeps a cursor per channel, and on
// every reconnect (or when the gateway asks) resumes each channel from its cursor so handlers see
// every event once and in order per channel. Works in Node and the browser: no Node imports here.

import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { EVENT_TYPES, type EventType } from '../../schemas/catalog.js';
import type { Channel } from './channels.js';
import { ChannelTracker } from './channelTracker.js';
import type {
  Ack,
  ChannelCursor,
  ClientToServerEvents,
  Delivery,
  RefreshAck,
  Refusal,
  ResumeAck,
  ResumeResult,
  ServerToClientEvents,
  SessionInfo,
  SubscribeAck,
  UnsubscribeAck,
} from './protocol.js';

export * from './channels.js';
export { ChannelTracker, type Verdict } from './channelTracker.js';
export * from './protocol.js';

export type GatewaySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface GatewayClientOptions {
  /**
   * Gateway URL, or the load balancer in front of several gateways.
   * @example "wss://gateway.example.com"
   */
  url: string;
  /** The JWT, or a function returning a current one (called on every connect and reconnect). */
  token?: string | (() => string | Promise<string>);
  /** A service API key instead of a token. */
  apiKey?: string;
  /**
   * Called when the gateway announces the token's expiry; the returned token is sent in-band with
   * `auth:refresh` so the connection survives.
   */
  onTokenExpiring?: (expiresAt: number) => string | Promise<string>;
  /** @default ["websocket"] (so a round-robin load balancer needs no sticky sessions) */
  transports?: ('websocket' | 'polling')[];
  /** How long to wait for an acknowledgement, ms. @default 10_000 */
  ackTimeoutMs?: number;
  /** Extra socket.io-client options (reconnection delays, TLS settings, path, …). @default {} */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

/** The gateway refused the connection or a request. */
export class GatewayRefusedError extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'GatewayRefusedError';
  }
}

type DeliveryHandler = (delivery: Delivery) => void;

/**
 * @example
 * const client = new GatewayClient({ url: 'wss://gw.example.com', token: () => auth.token() });
 * await client.connect();
 * client.onChannel('orders:acct-7', (d) => render(d.event));
 * const ack = await client.subscribe('orders:acct-7');
 * if (!ack.ok) console.warn(ack.code, ack.reason);
 */
export class GatewayClient {
  readonly socket: GatewaySocket;
  private readonly trackers = new Map<string, ChannelTracker>();
  private readonly byType = new Map<string, Set<DeliveryHandler>>();
  private readonly byChannel = new Map<string, Set<DeliveryHandler>>();
  private readonly any = new Set<DeliveryHandler>();
  private readonly gapListeners = new Set<(result: ResumeResult) => void>();
  private readonly closedListeners = new Set<(notice: { code: string; reason: string }) => void>();
  private readonly ackTimeoutMs: number;
  private refreshedToken: string | undefined;
  /** Last `session:closed` notice from the gateway. */
  lastClose: { code: string; reason: string } | undefined;

  constructor(private readonly options: GatewayClientOptions) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.socket = io(options.url, {
      transports: options.transports ?? ['websocket'],
      autoConnect: false,
      ...options.socketOptions,
      auth: (cb) => {
        void this.handshakeAuth().then(cb, () => cb({}));
      },
    });
    this.socket.on('connect', () => void this.resume([...this.trackers.keys()]));
    this.socket.on('disconnect', () => {
      for (const t of this.trackers.values()) t.abortResume();
    });
    for (const type of EVENT_TYPES) this.socket.on(type, (d: Delivery) => this.onLive(d));
    this.socket.on('replay', (batch) => this.onReplay(batch.channel, batch.deliveries));
    this.socket.on(
      'resume:required',
      (n) => void this.resume(n.channels.length > 0 ? n.channels : [...this.trackers.keys()]),
    );
    this.socket.on('auth:expiring', (n) => void this.onExpiring(n.expiresAt));
    this.socket.on('session:closed', (n) => {
      this.lastClose = n;
      for (const l of this.closedListeners) l(n);
    });
  }

  /** Connects; rejects with `GatewayRefusedError` when the handshake is refused. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        this.socket.off('connect_error', onError);
        resolve();
      };
      const onError = (err: Error & { data?: { code?: string; reason?: string } }) => {
        this.socket.off('connect', onConnect);
        this.socket.disconnect();
        reject(new GatewayRefusedError(err.data?.code ?? 'CONNECT_FAILED', err.data?.reason ?? err.message));
      };
      this.socket.once('connect', onConnect);
      this.socket.once('connect_error', onError);
      this.socket.connect();
    });
  }

  /** Subscribes to a channel; live deliveries start from the cursor in the acknowledgement. */
  async subscribe(channel: Channel | string): Promise<SubscribeAck> {
    const existing = this.trackers.get(channel);
    const tracker = existing ?? new ChannelTracker(channel);
    // Hold deliveries that overtake the acknowledgement; they are checked against its cursor.
    tracker.beginResume();
    this.trackers.set(channel, tracker);
    const ack = await this.request<SubscribeAck>('subscribe', { channel });
    if (!ack.ok) {
      if (!existing) this.trackers.delete(channel);
      else tracker.abortResume();
      return ack;
    }
    this.flushHeld(tracker, tracker.completeResume(ack.cursor));
    return ack;
  }

  async unsubscribe(channel: Channel | string): Promise<UnsubscribeAck> {
    this.trackers.delete(channel);
    return this.request<UnsubscribeAck>('unsubscribe', { channel });
  }

  /** Handler for one event type (a catalog name such as `ORDER_FILLED`). */
  on<T extends EventType>(type: T, handler: (delivery: Delivery<T>) => void): () => void {
    return addTo(this.byType, type, handler as DeliveryHandler);
  }

  /** Handler for every delivery of one channel. */
  onChannel(channel: Channel | string, handler: DeliveryHandler): () => void {
    return addTo(this.byChannel, channel, handler);
  }

  /** Handler for every delivery. */
  onDelivery(handler: DeliveryHandler): () => void {
    this.any.add(handler);
    return () => this.any.delete(handler);
  }

  /** Called when a channel could not be resumed (RESUME_GAP): events were missed for good. */
  onResumeGap(listener: (result: ResumeResult) => void): () => void {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }

  /** Called when the gateway closes the session (token expired, revoked, …) with its reason. */
  onSessionClosed(listener: (notice: { code: string; reason: string }) => void): () => void {
    this.closedListeners.add(listener);
    return () => this.closedListeners.delete(listener);
  }

  /** Sends a fresh token in-band (the connection stays up). */
  async refreshToken(token: string): Promise<RefreshAck> {
    const ack = await this.request<RefreshAck>('auth:refresh', { token });
    // A later reconnect must present the refreshed token, not the one the client started with.
    if (ack.ok) this.refreshedToken = token;
    return ack;
  }

  /** The cursor of a channel (what a resume would send). */
  cursor(channel: string): ChannelCursor | undefined {
    return this.trackers.get(channel)?.snapshot();
  }

  /** Admin API: every connection of a user, across gateway instances. */
  sessions(userId: string): Promise<Ack<{ sessions: SessionInfo[] }>> {
    return this.request('admin:sessions', { userId });
  }

  /** Admin API: disconnects every connection of a user. */
  disconnectUser(userId: string, reason?: string): Promise<Ack<{ disconnected: number }>> {
    return this.request('admin:disconnect', { userId, reason });
  }

  close(): void {
    this.socket.disconnect();
  }

  /** Resumes channels from their cursors; replayed deliveries arrive before the acknowledgement. */
  private async resume(channels: string[]): Promise<void> {
    const trackers = channels
      .map((c) => this.trackers.get(c))
      .filter((t): t is ChannelTracker => t !== undefined);
    if (trackers.length === 0 || !this.socket.connected) return;
    for (const t of trackers) t.beginResume();
    let ack: ResumeAck;
    try {
      ack = await this.request<ResumeAck>('resume', {
        channels: trackers.map((t) => ({ channel: t.channel, cursor: t.snapshot() })),
      });
    } catch {
      for (const t of trackers) t.abortResume();
      // Disconnected: the next connect resumes. Timed out while connected: try again, or live
      // deliveries would move the cursor past what was never replayed.
      if (this.socket.connected) setTimeout(() => void this.resume(channels), 500);
      return;
    }
    const results = ack.ok ? ack.results : [];
    for (const t of trackers) {
      const result = results.find((r) => r.channel === t.channel);
      if (!result) {
        t.abortResume();
        continue;
      }
      if (!result.ok) {
        for (const l of this.gapListeners) l(result);
        if (result.code !== 'RESUME_GAP') {
          this.trackers.delete(t.channel);
          continue;
        }
      }
      this.flushHeld(t, t.completeResume(result.cursor));
    }
  }

  private flushHeld(tracker: ChannelTracker, out: { deliveries: Delivery[]; gap: boolean }): void {
    for (const d of out.deliveries) this.dispatch(d);
    if (out.gap) void this.resume([tracker.channel]);
  }

  private onLive(d: Delivery): void {
    const tracker = this.trackers.get(d.channel);
    if (!tracker) return;
    const verdict = tracker.offerLive(d);
    if (verdict === 'deliver') this.dispatch(d);
    else if (verdict === 'gap') void this.resume([d.channel]);
  }

  private onReplay(channel: string, deliveries: Delivery[]): void {
    const tracker = this.trackers.get(channel);
    if (!tracker) return;
    for (const d of deliveries) if (tracker.offerReplayed(d) === 'deliver') this.dispatch(d);
  }

  private dispatch(d: Delivery): void {
    for (const h of this.byType.get(d.type) ?? []) h(d);
    for (const h of this.byChannel.get(d.channel) ?? []) h(d);
    for (const h of this.any) h(d);
  }

  private async onExpiring(expiresAt: number): Promise<void> {
    if (!this.options.onTokenExpiring) return;
    const token = await this.options.onTokenExpiring(expiresAt);
    await this.refreshToken(token);
  }

  private async handshakeAuth(): Promise<Record<string, string>> {
    if (this.options.apiKey) return { apiKey: this.options.apiKey };
    const t = this.options.token;
    if (typeof t === 'function') return { token: await t() };
    const token = this.refreshedToken ?? t;
    return token === undefined ? {} : { token };
  }

  private async request<R extends Ack>(event: keyof ClientToServerEvents, payload: unknown): Promise<R> {
    const emitter = this.socket.timeout(this.ackTimeoutMs) as unknown as {
      emitWithAck(event: string, payload: unknown): Promise<R | Refusal>;
    };
    return (await emitter.emitWithAck(event, payload)) as R;
  }
}

function addTo(map: Map<string, Set<DeliveryHandler>>, key: string, handler: DeliveryHandler): () => void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(handler);
  return () => set.delete(handler);
}
