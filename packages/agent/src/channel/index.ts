export * from './protocol.js';
export { encodeColumn, decodeColumn } from './columns.js';
export { encodeClientMessage, decodeClientMessage, decodeAgentReply, type ClientMessageCheck } from './codec.js';
export { startChannelServer, MAX_LOGGED_DROPS_PER_CONNECTION, type ChannelHandler, type ChannelServer, type ChannelServerOptions, type ConnectionInfo } from './server.js';
export { connectChannel, ChannelFailedError, ChannelRequestError, type ChannelClient, type ChannelRequestBody } from './client.js';
export * from './limits.js';
