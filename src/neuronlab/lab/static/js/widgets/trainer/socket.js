// The trainer's WebSocket: JSON commands out; JSON messages and binary frames in.
// Protocol: neuronlab/lab/trainer/protocol.py (commands) and trainer/view.py (frames).

import { socketURL } from "../../api.js";

const decoder = new TextDecoder();

/**
 * Split a binary frame into its JSON header and named byte views.
 * Layout: uint32 header length (little-endian), the JSON header, then the parts listed in
 * header.parts, each starting at a multiple of 4 bytes.
 */
export function parseFrame(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(decoder.decode(new Uint8Array(buffer, 4, length)));
  const parts = {};
  let offset = 4 + length;
  for (const part of header.parts || []) {
    offset += (4 - (offset % 4)) % 4;
    parts[part.name] = new Uint8Array(buffer, offset, part.length);
    offset += part.length;
  }
  return { header, parts };
}

export class TrainerSocket {
  constructor({ path = "/ws/train", onOpen, onMessage, onFrame, onClose } = {}) {
    this.path = path;
    this.onOpen = onOpen || (() => {});
    this.onMessage = onMessage || (() => {});
    this.onFrame = onFrame || (() => {});
    this.onClose = onClose || (() => {});
    this.socket = null;
    this.retryDelay = 500;
    this.stopped = false;
    this.busy = false;
  }

  connect() {
    this.stopped = false;
    this.busy = false;
    const socket = new WebSocket(socketURL(this.path));
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.retryDelay = 500;
      this.onOpen();
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data === "string") {
        const message = JSON.parse(event.data);
        if (message.type === "error" && message.code === "busy") this.busy = true;
        this.onMessage(message);
      } else {
        this.queueFrame(parseFrame(event.data));
      }
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const retrying = !this.stopped && !this.busy;
      this.onClose({ code: event.code, busy: this.busy, retrying });
      if (retrying) {
        setTimeout(() => this.stopped || this.connect(), this.retryDelay);
        this.retryDelay = Math.min(this.retryDelay * 2, 8000);
      }
    });
  }

  /**
   * Frames are drawn once per screen refresh, the newest only. A browser slower to draw than
   * the server is to train (a big network, no GPU) would otherwise fall seconds behind, and
   * Pause would seem to take seconds while old pictures are drawn. Frames are whole pictures,
   * but the maps, the edges and the chart come at their own slower rates: what a skipped frame
   * carried and the newer one does not is kept.
   */
  queueFrame(frame) {
    const older = this.pendingFrame;
    this.pendingFrame = older
      ? { header: { ...older.header, ...frame.header }, parts: { ...older.parts, ...frame.parts } }
      : frame;
    if (this.frameScheduled) return;
    this.frameScheduled = true;
    requestAnimationFrame(() => {
      this.frameScheduled = false;
      const newest = this.pendingFrame;
      this.pendingFrame = null;
      if (!newest) return;
      try {
        this.onFrame(newest);
      } finally {
        // drawn: the server sends the next one only now (trainer/protocol.py, "ack"), so frames never
        // pile up in the socket ahead of the answer to a Pause; also after a failed draw,
        // which would otherwise stop the pictures for good
        this.send({ type: "ack" });
      }
    });
  }

  get open() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Send one command; returns false when the socket is not open (the page resyncs on reopen). */
  send(command) {
    if (!this.open) return false;
    this.socket.send(JSON.stringify(command));
    return true;
  }

  close() {
    this.stopped = true;
    this.socket?.close();
  }
}
