// Builds the demo game in www/ into www/dist, with playtrace from pkg/: the npm package as a
// game installs it, which needs no webpack option of its own. index.html is copied as it is;
// the bundle is www/dist/game.js, playtrace's wasm a file beside it.
const fs = require("fs");
const path = require("path");

class CopyIndexHtml {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap("CopyIndexHtml", (compilation) => {
      compilation.hooks.processAssets.tap({ name: "CopyIndexHtml", stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONS }, () => {
        const html = fs.readFileSync(path.join(__dirname, "www", "index.html"));
        compilation.emitAsset("index.html", new compiler.webpack.sources.RawSource(html));
      });
    });
  }
}

module.exports = {
  mode: "production",
  entry: "./www/game.js",
  output: { path: path.join(__dirname, "www", "dist"), filename: "game.js", clean: true },
  resolve: {
    alias: {
      playtrace$: path.join(__dirname, "pkg", "playtrace.js"),
      "playtrace/websocket$": path.join(__dirname, "pkg", "websocket.js"),
    },
  },
  performance: { hints: false },
  plugins: [new CopyIndexHtml()],
};
