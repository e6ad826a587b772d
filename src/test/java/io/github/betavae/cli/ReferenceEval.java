package io.github.betavae.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An evaluator written apart from the library, to check {@code betavae eval}: its own JSON and
 * safetensors parsing, its own forward pass in double precision with z = μ, and its own reductions.
 * It shares no code with the production reader or model.
 */
final class ReferenceEval {
  double recon, kl, loss;
  double[] klPerDim;
  int activeUnits, n;

  /** Evaluates the run in {@code runDir} on {@code x} (n rows of d floats). */
  static ReferenceEval run(Path runDir, float[] x, int rows) throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, Object> cfg = (Map<String, Object>) new Json(Files.readString(runDir.resolve("config.json"))).value();
    Map<String, Object> model = map(cfg.get("model"));
    int d = num(model.get("input_size"));
    int z = num(model.get("latent"));
    List<Integer> enc = ints(model.get("encoder")), dec = ints(model.get("decoder"));
    String encAct = (String) model.get("encoder_activation"), decAct = (String) model.get("decoder_activation");
    boolean bernoulli = model.get("likelihood").equals("bernoulli");
    double beta = ((Number) map(cfg.get("objective")).get("beta")).doubleValue();
    Map<String, double[]> t = readSafetensors(runDir.resolve("model.safetensors"));

    ReferenceEval r = new ReferenceEval();
    r.n = rows;
    r.klPerDim = new double[z];
    double[][] mus = new double[rows][];
    for (int i = 0; i < rows; i++) {
      double[] h = new double[d];
      for (int j = 0; j < d; j++) h[j] = x[i * d + j];
      double[] in = h;
      for (int l = 0; l < enc.size(); l++) h = linear(t, "encoder.layers." + l, h, encAct);
      double[] stats = linear(t, "encoder.head", h, "identity");
      double[] mu = new double[z];
      for (int k = 0; k < z; k++) {
        mu[k] = stats[k];
        double lv = stats[z + k];
        r.klPerDim[k] += 0.5 * (mu[k] * mu[k] + Math.exp(lv) - lv - 1);
      }
      mus[i] = mu;
      h = mu;
      for (int l = 0; l < dec.size(); l++) h = linear(t, "decoder.layers." + l, h, decAct);
      double[] out = linear(t, "decoder.out", h, "identity");
      for (int j = 0; j < d; j++) {
        double a = out[j];
        r.recon += bernoulli ? Math.log1p(Math.exp(-Math.abs(a))) + Math.max(a, 0) - in[j] * a : (in[j] - a) * (in[j] - a);
      }
    }
    r.recon /= rows;
    for (int k = 0; k < z; k++) {
      r.klPerDim[k] /= rows;
      r.kl += r.klPerDim[k];
      double mean = 0, ss = 0;
      for (double[] mu : mus) mean += mu[k];
      mean /= rows;
      for (double[] mu : mus) ss += (mu[k] - mean) * (mu[k] - mean);
      if (ss / (rows - 1) > 0.01) r.activeUnits++;
    }
    r.loss = r.recon + beta * r.kl;
    return r;
  }

  private static double[] linear(Map<String, double[]> t, String name, double[] x, String act) {
    double[] w = t.get(name + ".weight"), b = t.get(name + ".bias");
    int out = b.length, in = x.length;
    if (w.length != out * in) throw new IllegalStateException(name + ": weight of " + w.length + " for " + out + "×" + in);
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double s = b[o];
      for (int k = 0; k < in; k++) s += w[o * in + k] * x[k];
      switch (act) {
        case "relu": y[o] = Math.max(0, s); break;
        case "tanh": y[o] = Math.tanh(s); break;
        case "sigmoid": y[o] = 1 / (1 + Math.exp(-s)); break;
        default: y[o] = s;
      }
    }
    return y;
  }

  /** Reads every tensor of a safetensors file: u64 length, JSON header, little-endian F32 data. */
  static Map<String, double[]> readSafetensors(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    int n = (int) bb.getLong(0);
    Map<String, Object> header = map(new Json(new String(all, 8, n, StandardCharsets.UTF_8)).value());
    Map<String, double[]> out = new HashMap<>();
    for (Map.Entry<String, Object> e : header.entrySet()) {
      if (e.getKey().equals("__metadata__")) continue;
      Map<String, Object> info = map(e.getValue());
      if (!info.get("dtype").equals("F32")) throw new IllegalStateException("dtype " + info.get("dtype"));
      List<Integer> off = ints(info.get("data_offsets"));
      double[] v = new double[(off.get(1) - off.get(0)) / 4];
      for (int i = 0; i < v.length; i++) v[i] = bb.getFloat(8 + n + off.get(0) + 4 * i);
      out.put(e.getKey(), v);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  private static int num(Object o) {
    return ((Number) o).intValue();
  }

  private static List<Integer> ints(Object o) {
    List<Integer> r = new ArrayList<>();
    for (Object v : (List<?>) o) r.add(num(v));
    return r;
  }

  /** A minimal recursive-descent JSON reader: objects, arrays, strings, numbers, true/false/null. */
  static final class Json {
    private final String s;
    private int i;

    Json(String s) {
      this.s = s;
    }

    Object value() {
      ws();
      char c = s.charAt(i);
      if (c == '{') {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (s.charAt(i) == '}') {
          i++;
          return m;
        }
        while (true) {
          ws();
          String k = string();
          ws();
          expect(':');
          m.put(k, value());
          ws();
          if (s.charAt(i++) == '}') return m;
        }
      }
      if (c == '[') {
        List<Object> l = new ArrayList<>();
        i++;
        ws();
        if (s.charAt(i) == ']') {
          i++;
          return l;
        }
        while (true) {
          l.add(value());
          ws();
          if (s.charAt(i++) == ']') return l;
        }
      }
      if (c == '"') return string();
      if (s.startsWith("true", i)) {
        i += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", i)) {
        i += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", i)) {
        i += 4;
        return null;
      }
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
      return Double.parseDouble(s.substring(start, i));
    }

    private String string() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      while (s.charAt(i) != '"') {
        char c = s.charAt(i++);
        if (c == '\\') {
          char e = s.charAt(i++);
          sb.append(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'u' ? (char) Integer.parseInt(s.substring(i, i += 4), 16) : e);
        } else {
          sb.append(c);
        }
      }
      i++;
      return sb.toString();
    }

    private void expect(char c) {
      if (s.charAt(i) != c) throw new IllegalStateException("expected '" + c + "' at " + i + " but found '" + s.charAt(i) + "'");
      i++;
    }

    private void ws() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }
  }
}
