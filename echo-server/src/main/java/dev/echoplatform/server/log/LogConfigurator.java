package dev.echoplatform.server.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback configuration in code (found through {@code META-INF/services}), so no XML is parsed at
 * start-up: JSON lines on stdout, root level INFO until {@link #setLevel} applies LOG_LEVEL.
 * Library loggers (XNIO, Undertow) are kept at WARN unless LOG_LEVEL is debug.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {

  private static final String[] LIBRARIES = {"org.xnio", "io.undertow", "org.jboss"};

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    JsonLineEncoder encoder = new JsonLineEncoder();
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("stdout");
    console.setEncoder(encoder);
    console.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(console);
    root.setLevel(Level.INFO);
    for (String library : LIBRARIES) {
      context.getLogger(library).setLevel(Level.WARN);
    }
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Applies LOG_LEVEL (debug, info, warn or error). */
  public static void setLevel(String level) {
    if (!(org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Level parsed = Level.toLevel(level, Level.INFO);
    context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(parsed);
    Level libraries =
        parsed == Level.DEBUG ? Level.DEBUG : parsed.toInt() > Level.WARN_INT ? parsed : Level.WARN;
    for (String library : LIBRARIES) {
      context.getLogger(library).setLevel(libraries);
    }
  }
}
