package dev.echoplatform.config;

/**
 * An invalid configuration value; the message is one line naming the variable, the value and the
 * accepted form.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
