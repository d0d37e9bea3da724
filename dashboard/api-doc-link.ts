/**
 * The header's link to the API's OpenAPI document. A link cannot carry the token, so a worker with
 * one refuses it (401): with a token in this tab the page fetches the document itself and opens it
 * from a blob URL. Without one the link is followed as it is.
 */
import { api } from "./api";
import { storedToken } from "./token";

/** How long the blob stays readable once opened: the tab has loaded it long before. */
const BLOB_KEPT_MS = 60_000;

export function openApiLink(link: HTMLAnchorElement): void {
  link.addEventListener("click", (event) => {
    if (!storedToken()) return;
    event.preventDefault();
    // Opened within the click: a window opened after an await is a popup the browser may block.
    const tab = window.open("about:blank", "_blank");
    if (!tab) return;
    tab.opener = null;
    api<unknown>("GET", link.pathname).then(
      (doc) => {
        const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }));
        tab.location.href = url;
        setTimeout(() => URL.revokeObjectURL(url), BLOB_KEPT_MS);
      },
      (err: unknown) => {
        tab.document.body.textContent = `The API document could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
      },
    );
  });
}
