// The camera and the vendored QR decoder (barcode-detector / zxing-wasm, served from /static/vendor).

const WASM = "/static/vendor/zxing-wasm/zxing_reader.wasm";
let prepared = null;

function api() {
  const a = window.BarcodeDetectionAPI;
  if (!a) throw new Error("decoder script not loaded");
  return a;
}

/** Fetch and compile the wasm now, while the network is there; resolves when the decoder is ready. */
export function prepareDecoder() {
  if (!prepared) {
    prepared = Promise.resolve().then(() => api().prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM : prefix + path) },
      fireImmediately: true,
    }));
    prepared.catch(() => { prepared = null; }); // try again on the next call
  }
  return prepared;
}

export class Camera {
  /** onCode(text, t0): t0 is performance.now() when the decode of the frame that held the code began. */
  constructor(video, onCode, { intervalMs = 60 } = {}) {
    this.video = video; this.onCode = onCode; this.intervalMs = intervalMs;
    this.stream = null; this.running = false; this.detector = null;
  }

  async start() {
    await prepareDecoder();
    this.detector = this.detector || new (api().BarcodeDetector)({ formats: ["qr_code"] });
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false, video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    this.video.srcObject = this.stream;
    await this.video.play();
    this.running = true;
    this._loop();
  }

  stop() {
    this.running = false;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.video.srcObject = null;
  }

  async _loop() {
    while (this.running) {
      if (this.video.readyState >= 2) {
        const t0 = performance.now();
        let found = [];
        try { found = await this.detector.detect(this.video); } catch { found = []; }
        if (!this.running) break;
        const qr = found.find((b) => b.rawValue);
        if (qr) this.onCode(qr.rawValue, t0);
      }
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }
}
