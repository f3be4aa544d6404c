package dev.echoplatform.operator;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelErrorCode;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CEL environment of {@code x-kubernetes-validations} rules, on cel-java: the standard library
 * and macros, the strings and sets extensions, cross-type numeric comparisons, and the Kubernetes
 * quantity library the API server adds ({@code quantity()}, {@code isQuantity()} and the members of
 * a Quantity). {@code self} is dynamically typed. A rule that calls any other function (the
 * Kubernetes IP, CIDR, URL, regex, lists, format or semver libraries) does not compile here.
 */
final class CelRules {

  private static final OpaqueType QUANTITY = OpaqueType.create("kubernetes.Quantity");
  private static final CelType STRING = SimpleType.STRING;
  private static final CelType INT = SimpleType.INT;
  private static final CelType BOOL = SimpleType.BOOL;
  private static final CelOptions OPTIONS =
      CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
  private static final Pattern EVALUATION_PREFIX =
      Pattern.compile("^evaluation error at [^:]*:(\\d+): ");
  private static final Pattern MISSING_KEY = Pattern.compile("key '(.*)' is not present in map\\.");
  private static final Map<String, String> CEL_GO_WORDING =
      Map.of(
          "long overflow", "integer overflow",
          "invalid duration format",
              "type conversion error from 'string' to 'google.protobuf.Duration'");

  private static final Cel CEL =
      CelFactory.standardCelBuilder()
          .setOptions(OPTIONS)
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addCompilerLibraries(CelExtensions.strings(), CelExtensions.sets(OPTIONS))
          .addRuntimeLibraries(CelExtensions.strings(), CelExtensions.sets(OPTIONS))
          .addVar("self", SimpleType.DYN)
          .addFunctionDeclarations(
              global("quantity", "string_to_quantity", QUANTITY, STRING),
              global("isQuantity", "is_quantity_string", BOOL, STRING),
              global("sign", "quantity_sign", INT, QUANTITY),
              member("isGreaterThan", "quantity_is_greater_than", BOOL, QUANTITY),
              member("isLessThan", "quantity_is_less_than", BOOL, QUANTITY),
              member("compareTo", "quantity_compare_to", INT, QUANTITY),
              member("asApproximateFloat", "quantity_get_float", SimpleType.DOUBLE),
              CelFunctionDecl.newFunctionDeclaration(
                  "add",
                  CelOverloadDecl.newMemberOverload("quantity_add", QUANTITY, QUANTITY, QUANTITY),
                  CelOverloadDecl.newMemberOverload("quantity_add_int", QUANTITY, QUANTITY, INT)),
              CelFunctionDecl.newFunctionDeclaration(
                  "sub",
                  CelOverloadDecl.newMemberOverload("quantity_sub", QUANTITY, QUANTITY, QUANTITY),
                  CelOverloadDecl.newMemberOverload("quantity_sub_int", QUANTITY, QUANTITY, INT)))
          .addFunctionBindings(
              unary(
                  "string_to_quantity",
                  "quantity",
                  String.class,
                  s -> library(() -> Quantity.parse((String) s))),
              unary(
                  "is_quantity_string",
                  "isQuantity",
                  String.class,
                  s -> Quantity.isQuantity((String) s)),
              unary(
                  "quantity_sign",
                  "sign",
                  Quantity.class,
                  q -> (long) ((Quantity) q).value.signum()),
              binary(
                  "quantity_is_greater_than",
                  "isGreaterThan",
                  Quantity.class,
                  (a, b) -> a.compareTo((Quantity) b) > 0),
              binary(
                  "quantity_is_less_than",
                  "isLessThan",
                  Quantity.class,
                  (a, b) -> a.compareTo((Quantity) b) < 0),
              binary(
                  "quantity_compare_to",
                  "compareTo",
                  Quantity.class,
                  (a, b) -> (long) Integer.signum(a.compareTo((Quantity) b))),
              unary(
                  "quantity_get_float",
                  "asApproximateFloat",
                  Quantity.class,
                  q -> ((Quantity) q).asApproximateFloat()),
              binary(
                  "quantity_add",
                  "add",
                  Quantity.class,
                  (a, b) -> new Quantity(a.value.add(((Quantity) b).value))),
              binary(
                  "quantity_add_int",
                  "add",
                  Long.class,
                  (a, b) -> new Quantity(a.value.add(BigDecimal.valueOf((Long) b)))),
              binary(
                  "quantity_sub",
                  "sub",
                  Quantity.class,
                  (a, b) -> new Quantity(a.value.subtract(((Quantity) b).value))),
              binary(
                  "quantity_sub_int",
                  "sub",
                  Long.class,
                  (a, b) -> new Quantity(a.value.subtract(BigDecimal.valueOf((Long) b)))))
          .build();

  private CelRules() {}

  /** A compiled expression, or the API server's "compilation failed: ..." reason it has none. */
  record Compiled(CelRuntime.Program program, String error) {

    /** Evaluates with {@code self} bound; the result, or a CelEvaluationException. */
    Object eval(Object self) throws CelEvaluationException {
      return program.eval(Map.of("self", self));
    }
  }

  /** Compiles a rule (result bool) or a message expression (result string). */
  static Compiled compile(String expression, boolean message) {
    try {
      var ast = CEL.compile(expression).getAst();
      CelType expected = message ? STRING : BOOL;
      if (!ast.getResultType().equals(expected) && !ast.getResultType().equals(SimpleType.DYN)) {
        return new Compiled(
            null,
            "compilation failed: "
                + (message
                    ? "messageExpression must evaluate to a string"
                    : "cel expression must evaluate to a bool"));
      }
      return new Compiled(CEL.createProgram(ast), null);
    } catch (CelValidationException e) {
      return new Compiled(null, "compilation failed: " + e.getMessage());
    } catch (dev.cel.common.CelException e) {
      return new Compiled(null, "compilation failed: " + e.getMessage());
    }
  }

  /**
   * The API server's detail for a rule whose evaluation failed: cel-go's wording of the common
   * errors ("no such key: x", "division by zero", ...), cel-java's text otherwise.
   */
  static String evaluationError(CelEvaluationException e, String expression, String rule) {
    Matcher at = EVALUATION_PREFIX.matcher(e.getMessage());
    String message =
        e.getCause() instanceof LibraryError library
            ? library.getMessage()
            : e.getErrorCode() == CelErrorCode.OVERLOAD_NOT_FOUND
                ? "no such overload"
                : at.replaceFirst("");
    Matcher missing = MISSING_KEY.matcher(message);
    if (missing.matches()) {
      message = "no such key: " + missing.group(1);
    } else if (e.getErrorCode() == CelErrorCode.DIVIDE_BY_ZERO) {
      // cel-java says "/ by zero" for both; its position is the operator's.
      int offset = at.find(0) ? Integer.parseInt(at.group(1)) : -1;
      message =
          offset >= 0 && offset < expression.length() && expression.charAt(offset) == '%'
              ? "modulus by zero"
              : "division by zero";
    } else if (e.getErrorCode() == CelErrorCode.BAD_FORMAT && message.startsWith("Text '")) {
      message = "type conversion error from 'string' to 'google.protobuf.Timestamp'";
    } else {
      message =
          CEL_GO_WORDING.getOrDefault(
              message, message.replaceFirst("^Index out of bounds", "index out of bounds"));
    }
    return message.startsWith("no such overload")
        ? "'"
            + message
            + "': call arguments did not match a supported operator, function or macro signature for rule: "
            + rule
        : message + " evaluating rule: " + rule;
  }

  private static CelFunctionDecl global(String name, String id, CelType result, CelType arg) {
    return CelFunctionDecl.newFunctionDeclaration(
        name, CelOverloadDecl.newGlobalOverload(id, result, arg));
  }

  private static CelFunctionDecl member(String name, String id, CelType result, CelType... args) {
    CelType[] all = new CelType[args.length + 1];
    all[0] = QUANTITY;
    System.arraycopy(args, 0, all, 1, args.length);
    return CelFunctionDecl.newFunctionDeclaration(
        name, CelOverloadDecl.newMemberOverload(id, result, all));
  }

  /**
   * A Kubernetes library function taking one argument of {@code type} (as cel-go checks it at run
   * time).
   */
  private static CelFunctionBinding unary(
      String id, String name, Class<?> type, Function<Object, Object> f) {
    return CelFunctionBinding.from(
        id,
        Object.class,
        a -> {
          if (!type.isInstance(a)) {
            throw new LibraryError("no such overload: " + name + "(" + typeName(a) + ")");
          }
          return f.apply(a);
        });
  }

  /** A Kubernetes library member function of a Quantity taking one argument of {@code type}. */
  private static CelFunctionBinding binary(
      String id, String name, Class<?> type, BiFunction<Quantity, Object, Object> f) {
    return CelFunctionBinding.from(
        id,
        Object.class,
        Object.class,
        (a, b) -> {
          if (!(a instanceof Quantity q) || !type.isInstance(b)) {
            throw new LibraryError(
                "no such overload: " + name + "(" + typeName(a) + ", " + typeName(b) + ")");
          }
          return f.apply(q, b);
        });
  }

  private static String typeName(Object value) {
    if (value instanceof Quantity) {
      return QUANTITY.name();
    }
    return value instanceof Long
        ? "int"
        : value instanceof Double
            ? "double"
            : value instanceof String
                ? "string"
                : value instanceof Boolean
                    ? "bool"
                    : value instanceof Map
                        ? "map"
                        : value instanceof List
                            ? "list"
                            : value instanceof NullValue
                                ? "null_type"
                                : value.getClass().getSimpleName();
  }

  /** Runs a library function; its IllegalArgumentException becomes the rule's evaluation error. */
  private static Object library(Supplier<Object> function) {
    try {
      return function.get();
    } catch (IllegalArgumentException e) {
      throw new LibraryError(e.getMessage());
    }
  }

  /** An error of a Kubernetes library function, with the API server's text. */
  static final class LibraryError extends RuntimeException {
    LibraryError(String message) {
      super(message, null, false, false);
    }
  }
}
