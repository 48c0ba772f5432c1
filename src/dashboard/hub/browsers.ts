// The browsers watching the dashboard (/ws/ui): every change goes to all of them as one typed
// message; a browser that falls behind loses frames rather than making the server buffer them.
import type { WebSocket } from 'ws';
import type { ServerMessage } from '../messages.js';

/** Unsent bytes past which a browser's frames are dropped. */
const BACKLOG_LIMIT = 4 * 1024 * 1024;

export class Browsers {
  private readonly sockets = new Set<WebSocket>();
  /** Frames not sent to a browser that was backed up. */
  droppedFrames = 0;
  /** Sees every message broadcast from here (the fleet publishes them to the other dashboards). */
  onBroadcast?: (msg: ServerMessage) => void;

  /** Watches `socket` until it closes; `first` (the full state) is its first message. */
  add(socket: WebSocket, first: ServerMessage): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => this.sockets.delete(socket));
    this.write(socket, JSON.stringify(first));
  }

  get count(): number {
    return this.sockets.size;
  }

  broadcast(msg: ServerMessage): void {
    this.broadcastLocal(msg);
    this.onBroadcast?.(msg);
  }

  /** To this dashboard's browsers only (what another dashboard published). */
  broadcastLocal(msg: ServerMessage): void {
    if (this.sockets.size === 0) return;
    const text = JSON.stringify(msg);
    for (const s of this.sockets) this.write(s, text);
  }

  private write(socket: WebSocket, text: string): void {
    if (socket.readyState !== 1) return;
    if (socket.bufferedAmount < BACKLOG_LIMIT) socket.send(text);
    else this.droppedFrames++;
  }

  close(): void {
    for (const s of this.sockets) s.terminate();
  }
}
