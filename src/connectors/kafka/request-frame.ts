// A request as kafkajs 2.2.4 writes it to the socket, in place of its
// `protocol/request` (client.ts): Size:INT32, the request header (ApiKey:INT16
// ApiVersion:INT16 CorrelationId:INT32 ClientId:NULLABLE_STRING), the body.
// kafkajs copies the body into a new zero-filled buffer of the next power of
// two, twice (the header, then the size): for a 512 KiB produce request that is
// 2 MiB zeroed and copied per request, and producing 1M records spent most of
// its garbage collection there. Here: one buffer of the frame's size, one copy
// (of the parts of sluice's produce request, which are not joined first).
// Same bytes (test/kafka/request-frame.test.ts).

export interface FramedRequest {
  correlationId: number;
  clientId: string | null | undefined;
  request: { apiKey: number; apiVersion: number; encode(): Promise<EncodedBody> | EncodedBody };
}

/** A request body: kafkajs's Encoder (its `buffer`), or sluice's produce request in parts, copied once, into the frame. */
interface EncodedBody {
  readonly buffer: Buffer;
  readonly parts?: readonly Buffer[];
}

export async function requestFrame({ correlationId, clientId, request: { apiKey, apiVersion, encode } }: FramedRequest): Promise<{ buffer: Buffer }> {
  const encoded = await encode();
  const parts = encoded.parts ?? [encoded.buffer];
  let bodyLength = 0;
  for (const p of parts) bodyLength += p.length;
  const idLength = clientId === null || clientId === undefined ? -1 : Buffer.byteLength(clientId, 'utf8');
  const headerSize = 2 + 2 + 4 + 2 + Math.max(0, idLength);
  const frame = Buffer.allocUnsafe(4 + headerSize + bodyLength);
  frame.writeInt32BE(headerSize + bodyLength, 0);
  frame.writeInt16BE(apiKey, 4);
  frame.writeInt16BE(apiVersion, 6);
  frame.writeInt32BE(correlationId, 8);
  frame.writeInt16BE(idLength, 12);
  if (idLength > 0) frame.write(clientId!, 14, idLength, 'utf8');
  let at = 4 + headerSize;
  for (const p of parts) at += p.copy(frame, at);
  return { buffer: frame };
}
