// The playground's output box: stdout and stderr text as it streams in, figures as images,
// and the closing line saying how the run ended. It scrolls along only when the reader is
// already at the bottom.

export function makeOutput(box) {
  let last = null; // { kind, node } of the text being appended to
  let figures = 0;
  const urls = [];
  const nearBottom = () => box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const keepInView = (wasAtBottom) => {
    if (wasAtBottom) box.scrollTop = box.scrollHeight;
  };
  return {
    clear() {
      for (const url of urls.splice(0)) URL.revokeObjectURL(url);
      box.replaceChildren();
      last = null;
      figures = 0;
    },
    text(kind, text) {
      const atBottom = nearBottom();
      if (last?.kind === kind) {
        last.node.appendData(text);
      } else {
        const span = document.createElement("span");
        span.className = kind === "stderr" ? "pg-stderr" : "pg-stdout";
        const node = document.createTextNode(text);
        span.append(node);
        box.append(span);
        last = { kind, node };
      }
      keepInView(atBottom);
    },
    figure(base64) {
      const atBottom = nearBottom();
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
      urls.push(url);
      figures += 1;
      const image = document.createElement("img");
      image.src = url;
      image.alt = `Figure ${figures} made by your code`;
      box.append(image);
      image.addEventListener("load", () => keepInView(atBottom), { once: true });
      last = null;
      keepInView(atBottom);
    },
    done(status, message) {
      const atBottom = nearBottom();
      const line = document.createElement("span");
      line.className = "pg-done";
      line.dataset.status = status;
      line.textContent = message;
      box.append(line);
      last = null;
      keepInView(atBottom);
    },
  };
}
