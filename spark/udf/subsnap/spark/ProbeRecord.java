package subsnap.spark;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;

/**
 * One strict pass over a journal record (docs/SEMANTICS.md, "JSON" and "Record validation"): whether it
 * is RFC 8259 JSON, whether it is an object, whether a top-level member name repeats, and for each
 * named top-level member its JSON type and its text (a string's value, a number's token as written).
 *
 * The names come as one string, separated by U+0001 (a name never holds a control character). Returns
 * struct(is_json, is_object, duplicate_names, t array&lt;string&gt;, s array&lt;string&gt;): `t` holds each
 * name's type in the contract's words (missing, null, string, integer: a number spelled without fraction
 * or exponent that fits a signed 64-bit integer, number, boolean, object, array), `s` its text, in the
 * order of the names. The words come from here rather than from a CASE per field in SQL: that CASE
 * compared a substring eight times per field, a large share of the whole validation's time.
 */
public final class ProbeRecord implements UDF2<String, String, Row> {
  private static final long serialVersionUID = 1L;
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final String MISSING = "missing";

  /** The names of the last call, and where each one goes: the names are the same for a whole run. */
  private transient String lastNames;
  private transient Map<String, Integer> slots;
  private transient int count;

  /**
   * The SHA-256 (hex) of the jar this class was loaded from. A server started with the jar on its
   * class path answers it to `reflect('subsnap.spark.ProbeRecord', 'jarSha256')`, and a client uses
   * that class only when the digest is its own jar's: never another build's probe.
   */
  public static String jarSha256() throws IOException, NoSuchAlgorithmException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = ProbeRecord.class.getProtectionDomain().getCodeSource().getLocation().openStream()) {
      byte[] buffer = new byte[8192];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  @Override
  public Row call(String raw, String names) {
    if (raw == null) return null;
    if (!names.equals(lastNames)) index(names);
    String[] types = new String[count];
    String[] texts = new String[count];
    java.util.Arrays.fill(types, MISSING);
    boolean isObject = false;
    boolean duplicates = false;
    try (JsonParser parser = FACTORY.createParser(raw)) {
      JsonToken root = parser.nextToken();
      if (root == null) return result(false, false, false, types, texts);
      if (root == JsonToken.START_OBJECT) {
        isObject = true;
        Set<String> seen = new HashSet<>();
        for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
          String name = parser.currentName();
          checkString(name);
          if (!seen.add(name)) duplicates = true;
          JsonToken value = parser.nextToken();
          Integer slot = slots.get(name);
          if (slot != null) {
            types[slot] = typeOf(parser, value);
            texts[slot] = textOf(parser, value);
          }
          skipChecked(parser, value);
        }
      } else {
        skipChecked(parser, root);
      }
      if (parser.nextToken() != null) return result(false, false, false, types, texts);
    } catch (IOException | IllegalStateException error) {
      return result(false, false, false, types, texts);
    }
    return result(true, isObject, duplicates, types, texts);
  }

  private void index(String names) {
    String[] list = names.split("\u0001", -1);
    slots = new HashMap<>();
    for (int i = 0; i < list.length; i++) slots.putIfAbsent(list[i], i);
    count = list.length;
    lastNames = names;
  }

  private static Row result(boolean json, boolean object, boolean duplicates, String[] types, String[] texts) {
    if (!json) return RowFactory.create(false, false, false, null, null);
    return RowFactory.create(true, object, duplicates, types, texts);
  }

  private static String typeOf(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING: return "string";
      case VALUE_NUMBER_INT: {
        String text = parser.getText();
        if (text.length() < 19) return "integer";
        BigInteger value = new BigInteger(text);
        return value.compareTo(MIN) >= 0 && value.compareTo(MAX) <= 0 ? "integer" : "number";
      }
      case VALUE_NUMBER_FLOAT: return "number";
      case VALUE_TRUE:
      case VALUE_FALSE: return "boolean";
      case VALUE_NULL: return "null";
      case START_OBJECT: return "object";
      case START_ARRAY: return "array";
      default: throw new IllegalStateException("unexpected token " + token);
    }
  }

  private static String textOf(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING:
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT: return parser.getText();
      case VALUE_TRUE: return "true";
      case VALUE_FALSE: return "false";
      default: return null;
    }
  }

  /** Moves past a value, checking every string in it (names included) for lone surrogates. */
  private static void skipChecked(JsonParser parser, JsonToken token) throws IOException {
    if (token == JsonToken.VALUE_STRING) checkString(parser.getText());
    if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) return;
    int depth = 1;
    while (depth > 0) {
      JsonToken next = parser.nextToken();
      if (next == null) throw new IllegalStateException("the text ends inside a value");
      switch (next) {
        case START_OBJECT:
        case START_ARRAY: depth++; break;
        case END_OBJECT:
        case END_ARRAY: depth--; break;
        case FIELD_NAME: checkString(parser.currentName()); break;
        case VALUE_STRING: checkString(parser.getText()); break;
        default: break;
      }
    }
  }

  /** A string holding a lone surrogate (only an escape such as \ud800 can make one) is not JSON. */
  private static void checkString(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) i++;
        else throw new IllegalStateException("lone surrogate");
      } else if (Character.isLowSurrogate(c)) {
        throw new IllegalStateException("lone surrogate");
      }
    }
  }
}
