// The page imports uPlot from /explore/vendor/uPlot.esm.js, which the API serves from the installed
// uplot package; this gives that path the package's own types for the type-check.
import uPlot from "uplot";

export default uPlot;
