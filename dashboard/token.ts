/**
 * The API token, when the worker has one: asked once in a dialog and kept in sessionStorage (gone
 * when the tab closes, never in localStorage or a URL).
 */
import { h } from "./dom";

const KEY = "loadgen.apiToken";

export const storedToken = (): string | null => sessionStorage.getItem(KEY);

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

let asking: Promise<string> | null = null;

/** Shows the token dialog (one at a time, however many requests were refused) and keeps the answer. */
export function askToken(message: string): Promise<string> {
  asking ??= new Promise<string>((resolve) => {
    const input = h("input", { type: "password", name: "token", autocomplete: "off", required: true, "aria-label": "API token" });
    const dialog = h(
      "dialog",
      { class: "token-dialog" },
      h(
        "form",
        { method: "dialog" },
        h("h2", {}, "API token"),
        h("p", {}, message),
        input,
        h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Use token")),
      ),
    );
    dialog.addEventListener("cancel", (event) => event.preventDefault());
    dialog.addEventListener("close", () => {
      const token = input.value.trim();
      if (!token) return dialog.showModal();
      sessionStorage.setItem(KEY, token);
      dialog.remove();
      asking = null;
      resolve(token);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
  return asking;
}
