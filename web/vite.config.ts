import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by the API under /app/; hashed files under /app/assets/ get a year's cache, index.html none.
export default defineConfig({
  base: "/app/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: {
      output: {
        // Vega is large and only the Ask page draws charts: it loads with that page, not the first route.
        manualChunks: (id) => (/node_modules\/(vega|vega-lite|vega-embed)\//.test(id) ? "vega" : undefined),
      },
    },
  },
  test: { environment: "jsdom" },
});
