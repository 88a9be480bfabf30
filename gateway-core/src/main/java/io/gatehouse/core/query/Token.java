package io.gatehouse.core.query;

/** One lexical token of a query, with where it starts (for error messages). */
record Token(Kind kind, String text, int position) {

    enum Kind { WORD, STRING, NUMBER, SYMBOL, END }

    boolean isWord(String keyword) {
        return kind == Kind.WORD && text.equalsIgnoreCase(keyword);
    }

    boolean isSymbol(String symbol) {
        return kind == Kind.SYMBOL && text.equals(symbol);
    }

    String describe() {
        return kind == Kind.END ? "the end of the query" : "'" + text + "'";
    }
}
