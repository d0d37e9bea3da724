/** What a route renders: an element, and what to undo when the page moves on. */
export interface View {
  element: HTMLElement;
  dispose?: () => void;
}
