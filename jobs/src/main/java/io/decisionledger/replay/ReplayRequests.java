package io.decisionledger.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.util.List;

/**
 * The Chat Completions request a stored decision is replayed with, and the decision read back from
 * the response. Request: {@code model}; {@code messages} = the stored system prompt (when there is
 * one) as the {@code system} message, then one {@code user} message: the stored prompt, followed,
 * when the decision had context, by a blank line, {@code Context:} and the context as canonical
 * JSON {@code {"metadata":…,"relevantDocuments":[…],"userHistory":[…]}} (absent parts left out);
 * {@code temperature}, {@code max_tokens}, {@code top_p} exactly as recorded (left out when not
 * recorded). The decision in a response (and in a stored {@code response_content} without a
 * decision block) is the first JSON object in the message content, with {@code approved} (boolean),
 * {@code confidence} (number) and optional {@code reasoning}.
 */
public final class ReplayRequests {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A decision as a model states it. */
    public record ModelDecision(Boolean approved, Double confidence, String reasoning) {}

    private ReplayRequests() {}

    public static String body(DecisionRecord d, String model) {
        ObjectNode req = JSON.createObjectNode();
        req.put("model", model);
        ArrayNode messages = req.putArray("messages");
        if (d.getSystemPrompt() != null) {
            messages.addObject().put("role", "system").put("content", d.getSystemPrompt());
        }
        messages.addObject().put("role", "user").put("content", userContent(d));
        if (d.getTemperature() != null) {
            req.put("temperature", d.getTemperature());
        }
        if (d.getMaxTokens() != null) {
            req.put("max_tokens", d.getMaxTokens());
        }
        if (d.getTopP() != null) {
            req.put("top_p", d.getTopP());
        }
        try {
            return JSON.writeValueAsString(req);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a replay request", e);
        }
    }

    static String userContent(DecisionRecord d) {
        StringBuilder context = new StringBuilder();
        // Keys in sorted order, so the text is the same on every replay.
        if (d.getContextMetadataJson() != null) {
            context.append("\"metadata\":").append(d.getContextMetadataJson());
        }
        appendList(context, "relevantDocuments", d.getContextRelevantDocuments());
        appendList(context, "userHistory", d.getContextUserHistory());
        if (context.length() == 0) {
            return d.getPrompt();
        }
        return d.getPrompt() + "\n\nContext:\n{" + context + "}";
    }

    private static void appendList(StringBuilder out, String name, List<String> values) {
        if (values == null) {
            return;
        }
        if (out.length() > 0) {
            out.append(',');
        }
        try {
            out.append('"').append(name).append("\":").append(JSON.writeValueAsString(values));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The message content of a Chat Completions response body, or null if it has none. */
    public static String content(String responseBody) {
        try {
            JsonNode root = JSON.readTree(responseBody);
            JsonNode content = root.path("choices").path(0).path("message").path("content");
            return content.isTextual() ? content.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The decision stated in {@code text}: its first JSON object (models often wrap it in prose or
     * a code fence). Null when there is none or it has no boolean {@code approved}.
     */
    public static ModelDecision decision(String text) {
        if (text == null) {
            return null;
        }
        int start = text.indexOf('{');
        while (start >= 0) {
            try {
                JsonNode n = JSON.readerFor(JsonNode.class).readValue(text.substring(start));
                if (n.isObject() && n.path("approved").isBoolean()) {
                    JsonNode c = n.path("confidence");
                    JsonNode r = n.path("reasoning");
                    return new ModelDecision(
                            n.get("approved").asBoolean(),
                            c.isNumber() ? c.asDouble() : null,
                            r.isTextual() ? r.asText() : null);
                }
            } catch (IOException e) {
                // not a JSON object here; try the next brace
            }
            start = text.indexOf('{', start + 1);
        }
        return null;
    }
}
