package io.gatehouse.core.query;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a query into tokens: words (keywords, identifiers; letters, digits, {@code _} and {@code $}), strings in
 * single or double quotes (a doubled quote or a backslash escapes one), numbers, and the symbols
 * {@code * , . ( ) [ ] = != <> < <= > >=}.
 */
final class QueryLexer {

    private static final List<String> SYMBOLS = List.of("!=", "<>", "<=", ">=", "*", ",", ".", "(", ")", "[", "]", "=", "<", ">");

    private QueryLexer() {
    }

    static List<Token> tokens(String query) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < query.length()) {
            char c = query.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '\'' || c == '"') {
                i = string(query, i, tokens);
            } else if (Character.isDigit(c) || (c == '-' && i + 1 < query.length() && Character.isDigit(query.charAt(i + 1)))) {
                int start = i++;
                while (i < query.length() && (Character.isDigit(query.charAt(i)) || "eE+-.".indexOf(query.charAt(i)) >= 0)) {
                    char d = query.charAt(i);
                    if ((d == '+' || d == '-') && "eE".indexOf(query.charAt(i - 1)) < 0) {
                        break;
                    }
                    i++;
                }
                tokens.add(new Token(Token.Kind.NUMBER, query.substring(start, i), start));
            } else if (Character.isLetter(c) || c == '_' || c == '$') {
                int start = i;
                while (i < query.length() && (Character.isLetterOrDigit(query.charAt(i)) || query.charAt(i) == '_' || query.charAt(i) == '$')) {
                    i++;
                }
                tokens.add(new Token(Token.Kind.WORD, query.substring(start, i), start));
            } else {
                String symbol = symbolAt(query, i);
                if (symbol == null) {
                    throw QueryException.at("unexpected character '" + c + "'", i);
                }
                tokens.add(new Token(Token.Kind.SYMBOL, symbol, i));
                i += symbol.length();
            }
        }
        tokens.add(new Token(Token.Kind.END, "", query.length()));
        return tokens;
    }

    private static int string(String query, int start, List<Token> tokens) {
        char quote = query.charAt(start);
        StringBuilder text = new StringBuilder();
        int i = start + 1;
        while (i < query.length()) {
            char c = query.charAt(i);
            if (c == '\\' && i + 1 < query.length()) {
                text.append(query.charAt(i + 1));
                i += 2;
            } else if (c == quote && i + 1 < query.length() && query.charAt(i + 1) == quote) {
                text.append(quote);
                i += 2;
            } else if (c == quote) {
                tokens.add(new Token(Token.Kind.STRING, text.toString(), start));
                return i + 1;
            } else {
                text.append(c);
                i++;
            }
        }
        throw QueryException.at("a string is not closed", start);
    }

    private static String symbolAt(String query, int i) {
        for (String symbol : SYMBOLS) {
            if (query.startsWith(symbol, i)) {
                return symbol;
            }
        }
        return null;
    }
}
