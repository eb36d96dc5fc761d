import type { RunningServer } from "@ctr/query-api";
import { insertViews, type MinuteCount, openTestStore, serveApi, truncateTables } from "./api_server.ts";
import { openBrowser } from "./browser.ts";

/** The API served over a test store holding `views`, and a headless Chromium to visit it. */
export interface ApiInBrowser {
  server: RunningServer;
  browser: Awaited<ReturnType<typeof openBrowser>>;
  /** Closes the browser, the server and the store. */
  close(): Promise<void>;
}

export async function openApiInBrowser(views: readonly MinuteCount[]): Promise<ApiInBrowser> {
  const { store, close: closeStore } = await openTestStore();
  await truncateTables(store);
  await insertViews(store, views);
  const server = await serveApi(store);
  const browser = await openBrowser();
  return {
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
      await closeStore();
    },
  };
}
