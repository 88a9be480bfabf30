package io.gatehouse.core.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.gatehouse.core.query.Condition.Operand;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A recursive-descent parser for the part of IoT Hub's query language Gatehouse supports:
 *
 * <pre>
 * query      := SELECT ( '*' | COUNT '(' ')' [AS word] ) FROM devices [WHERE or]
 * or         := and (OR and)*
 * and        := not (AND not)*
 * not        := NOT not | '(' or ')' | IS_DEFINED '(' path ')' | STARTSWITH '(' operand ',' operand ')' | predicate
 * predicate  := operand ( comparison operand | [NOT] IN '(' literal (',' literal)* ')' | NIN '(' ... ')' )
 * operand    := path | literal
 * path       := word ('.' word | '[' string ']')*
 * literal    := string | number | true | false | null
 * </pre>
 *
 * Keywords are case-insensitive. Anything else IoT Hub has (projections, GROUP BY, ORDER BY, other collections,
 * other functions) is refused with a message that names it.
 */
final class QueryParser {

    private static final Set<String> CLAUSES = Set.of("GROUP", "ORDER", "TOP", "LIMIT", "JOIN", "HAVING", "OFFSET");

    private final List<Token> tokens;
    private int next;

    private QueryParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static Query parse(String text) {
        if (text == null || text.isBlank()) {
            throw new QueryException("query: the query is empty");
        }
        return new QueryParser(QueryLexer.tokens(text)).query();
    }

    private Query query() {
        expectWord("SELECT");
        String countAlias = null;
        if (peek().isSymbol("*")) {
            take();
        } else if (peek().isWord("COUNT")) {
            take();
            expectSymbol("(");
            expectSymbol(")");
            countAlias = "$1";
            if (peek().isWord("AS")) {
                take();
                countAlias = expect(Token.Kind.WORD, "a name after AS").text();
            }
        } else if (peek().isWord("TOP")) {
            throw QueryException.unsupported("SELECT TOP");
        } else {
            throw QueryException.unsupported("a projection (" + describeUntilFrom() + "); use SELECT * or SELECT COUNT()");
        }
        expectWord("FROM");
        Token collection = expect(Token.Kind.WORD, "a collection after FROM");
        if (!collection.text().equalsIgnoreCase("devices")) {
            throw QueryException.unsupported("FROM " + collection.text());
        }
        if (peek().isSymbol(".")) {
            throw QueryException.unsupported("FROM devices." + tokens.get(next + 1).text());
        }
        Condition where = null;
        if (peek().isWord("WHERE")) {
            take();
            where = or();
        }
        Token end = peek();
        if (end.kind() != Token.Kind.END) {
            if (end.kind() == Token.Kind.WORD && CLAUSES.contains(end.text().toUpperCase())) {
                throw QueryException.unsupported(end.text().toUpperCase() + (peekAt(1).isWord("BY") ? " BY" : ""));
            }
            throw QueryException.at("unexpected " + end.describe(), end.position());
        }
        return new Query(countAlias, where);
    }

    private Condition or() {
        Condition left = and();
        while (peek().isWord("OR")) {
            take();
            left = new Condition.Or(left, and());
        }
        return left;
    }

    private Condition and() {
        Condition left = not();
        while (peek().isWord("AND")) {
            take();
            left = new Condition.And(left, not());
        }
        return left;
    }

    private Condition not() {
        Token token = peek();
        if (token.isWord("NOT")) {
            take();
            return new Condition.Not(not());
        }
        if (token.isSymbol("(")) {
            take();
            Condition inner = or();
            expectSymbol(")");
            return inner;
        }
        if (token.kind() == Token.Kind.WORD && peekAt(1).isSymbol("(")) {
            return function(token);
        }
        return predicate();
    }

    private Condition function(Token name) {
        take();
        expectSymbol("(");
        Condition result;
        if (name.isWord("IS_DEFINED")) {
            result = new Condition.IsDefined(path());
        } else if (name.isWord("STARTSWITH") || name.isWord("STARTS_WITH")) {
            Operand text = operand();
            expectSymbol(",");
            result = new Condition.StartsWith(text, operand());
        } else {
            throw QueryException.unsupported("the function " + name.text().toUpperCase());
        }
        expectSymbol(")");
        return result;
    }

    private Condition predicate() {
        Operand left = operand();
        Token token = peek();
        if (token.isWord("IN") || token.isWord("NIN")) {
            take();
            return new Condition.In(left, literalList(), token.isWord("NIN"));
        }
        if (token.isWord("NOT") && peekAt(1).isWord("IN")) {
            take();
            take();
            return new Condition.In(left, literalList(), true);
        }
        if (token.kind() == Token.Kind.SYMBOL) {
            Comparison comparison = Comparison.of(token.text());
            if (comparison != null) {
                take();
                return new Condition.Compare(left, comparison, operand());
            }
        }
        if (token.kind() == Token.Kind.WORD && !isConnective(token)) {
            throw QueryException.unsupported("the operator " + token.text().toUpperCase());
        }
        throw QueryException.at("expected a comparison, IN or NIN but found " + token.describe(), token.position());
    }

    private List<JsonNode> literalList() {
        expectSymbol("(");
        List<JsonNode> values = new ArrayList<>();
        do {
            if (!values.isEmpty()) {
                take();
            }
            Operand operand = operand();
            if (!(operand instanceof Condition.Literal literal)) {
                throw QueryException.unsupported("a property path inside IN (...)");
            }
            values.add(literal.literal());
        } while (peek().isSymbol(","));
        expectSymbol(")");
        return values;
    }

    private Operand operand() {
        Token token = peek();
        switch (token.kind()) {
            case STRING -> {
                take();
                return new Condition.Literal(JsonNodeFactory.instance.textNode(token.text()));
            }
            case NUMBER -> {
                take();
                try {
                    return new Condition.Literal(JsonNodeFactory.instance.numberNode(new BigDecimal(token.text())));
                } catch (NumberFormatException e) {
                    throw QueryException.at("'" + token.text() + "' is not a number", token.position());
                }
            }
            case WORD -> {
                if (token.isWord("true") || token.isWord("false")) {
                    take();
                    return new Condition.Literal(JsonNodeFactory.instance.booleanNode(token.isWord("true")));
                }
                if (token.isWord("null")) {
                    take();
                    return new Condition.Literal(JsonNodeFactory.instance.nullNode());
                }
                return path();
            }
            default -> throw QueryException.at("expected a property or a value but found " + token.describe(), token.position());
        }
    }

    private Condition.Path path() {
        Token first = expect(Token.Kind.WORD, "a property name");
        if (isConnective(first)) {
            throw QueryException.at("expected a property name but found " + first.describe(), first.position());
        }
        List<String> keys = new ArrayList<>();
        keys.add(first.text());
        while (true) {
            if (peek().isSymbol(".")) {
                take();
                keys.add(expect(Token.Kind.WORD, "a property name after '.'").text());
            } else if (peek().isSymbol("[")) {
                take();
                keys.add(expect(Token.Kind.STRING, "a quoted property name in [...]").text());
                expectSymbol("]");
            } else {
                return new Condition.Path(List.copyOf(keys));
            }
        }
    }

    private static boolean isConnective(Token token) {
        return token.isWord("AND") || token.isWord("OR") || token.isWord("NOT") || token.isWord("WHERE");
    }

    private String describeUntilFrom() {
        StringBuilder text = new StringBuilder();
        for (int i = next; i < tokens.size() && !tokens.get(i).isWord("FROM") && tokens.get(i).kind() != Token.Kind.END; i++) {
            if (!text.isEmpty() && !tokens.get(i).isSymbol(".") && !tokens.get(i - 1).isSymbol(".")) {
                text.append(' ');
            }
            text.append(tokens.get(i).text());
        }
        return "SELECT " + text;
    }

    private Token peek() {
        return tokens.get(next);
    }

    private Token peekAt(int ahead) {
        return tokens.get(Math.min(next + ahead, tokens.size() - 1));
    }

    private Token take() {
        Token token = tokens.get(next);
        if (token.kind() != Token.Kind.END) {
            next++;
        }
        return token;
    }

    private void expectWord(String keyword) {
        Token token = peek();
        if (!token.isWord(keyword)) {
            throw QueryException.at("expected " + keyword + " but found " + token.describe(), token.position());
        }
        take();
    }

    private void expectSymbol(String symbol) {
        Token token = peek();
        if (!token.isSymbol(symbol)) {
            throw QueryException.at("expected '" + symbol + "' but found " + token.describe(), token.position());
        }
        take();
    }

    private Token expect(Token.Kind kind, String what) {
        Token token = peek();
        if (token.kind() != kind) {
            throw QueryException.at("expected " + what + " but found " + token.describe(), token.position());
        }
        return take();
    }
}
