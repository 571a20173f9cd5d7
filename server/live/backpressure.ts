// Slow consumers. Emitting never waits for a client: socket.io queues the encoded packet on each
// connection (engine.io's writeBuffer while the transport is busy, then the WebSocket's send
// buffer). A client that stops reading would make that queue grow without end, so once a second
// the queues are measured and a connection past the bound is cut. Its client reconnects and
// asks `resume` for what it missed: nothing is lost, and one stalled reader costs bounded memory.
import type { Server, Socket } from 'socket.io';

export interface SlowConsumerLimits {
  maxBufferedBytes: number;
  maxQueuedPackets: number;
  checkMs?: number;
  onDrop?: (socket: Socket, why: { queuedPackets: number; bufferedBytes: number }) => void;
}

interface EngineConnection {
  writeBuffer?: unknown[];
  transport?: { socket?: { bufferedAmount?: number; terminate?: () => void } };
  close(discard?: boolean): void;
}

/** What a connection has queued and not yet handed to the kernel. */
export function backlogOf(socket: Socket): { queuedPackets: number; bufferedBytes: number } {
  const conn = socket.conn as unknown as EngineConnection;
  const queue = conn.writeBuffer ?? [];
  let bytes = conn.transport?.socket?.bufferedAmount ?? 0;
  for (const packet of queue) {
    const data = (packet as { data?: unknown }).data;
    if (typeof data === 'string') bytes += data.length;
    else if (data instanceof Uint8Array) bytes += data.byteLength;
  }
  return { queuedPackets: queue.length, bufferedBytes: bytes };
}

/** Closes the connection at once, without a goodbye: a polite close would wait for the very queue
 * that is stuck, and a `disconnect` packet, if it got through, would stop the client reconnecting. */
export function drop(socket: Socket): void {
  const conn = socket.conn as unknown as EngineConnection;
  const ws = conn.transport?.socket;
  if (ws && typeof ws.terminate === 'function') ws.terminate();
  else conn.close(true);
}

export function watchSlowConsumers(io: Server, limits: SlowConsumerLimits): NodeJS.Timeout {
  const timer = setInterval(() => {
    for (const socket of io.of('/').sockets.values()) {
      const backlog = backlogOf(socket);
      if (backlog.queuedPackets > limits.maxQueuedPackets || backlog.bufferedBytes > limits.maxBufferedBytes) {
        limits.onDrop?.(socket, backlog);
        drop(socket);
      }
    }
  }, limits.checkMs ?? 1000);
  timer.unref();
  return timer;
}
