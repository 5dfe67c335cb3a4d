package dev.spindle.host.internal.http.exchange;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import dev.spindle.api.HttpException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * Strings to bytes with Node's encoding names and Node's leniency: {@code hex} stops at the first
 * pair that is not hex, {@code base64} and {@code base64url} accept either alphabet and ignore
 * padding, white space and stray characters.
 */
public final class Encodings {

    private static final byte[] BASE64_VALUE = new byte[128];

    static {
        java.util.Arrays.fill(BASE64_VALUE, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            BASE64_VALUE[alphabet.charAt(i)] = (byte) i;
        }
        BASE64_VALUE['-'] = 62;
        BASE64_VALUE['_'] = 63;
    }

    private Encodings() {
    }

    /** Encodes {@code s} in Node's encoding {@code name} ({@code null} means utf8) into a new buffer. */
    public static ByteBuf encode(ByteBufAllocator alloc, String s, String name) {
        if (name == null) {
            return utf8(alloc, s);
        }
        switch (name.toLowerCase(Locale.ROOT)) {
            case "utf8":
            case "utf-8":
                return utf8(alloc, s);
            case "latin1":
            case "binary":
            case "ascii":
                return latin1(alloc, s);
            case "hex":
                return hex(alloc, s);
            case "base64":
            case "base64url":
                return base64(alloc, s);
            case "utf16le":
            case "utf-16le":
            case "ucs2":
            case "ucs-2":
                return charset(alloc, s, StandardCharsets.UTF_16LE);
            default:
                throw new HttpException(HttpException.ERR_UNKNOWN_ENCODING, "Unknown encoding: " + name);
        }
    }

    public static ByteBuf charset(ByteBufAllocator alloc, String s, Charset charset) {
        if (charset.equals(StandardCharsets.UTF_8)) {
            return utf8(alloc, s);
        }
        byte[] bytes = s.getBytes(charset);
        return alloc.buffer(bytes.length).writeBytes(bytes);
    }

    /** Strings up to this length become plain arrays: cheaper than a pooled buffer for small bodies. */
    private static final int SMALL = 512;

    private static ByteBuf utf8(ByteBufAllocator alloc, String s) {
        if (s.length() <= SMALL) {
            return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
        }
        ByteBuf buf = alloc.buffer(ByteBufUtil.utf8MaxBytes(s));
        ByteBufUtil.writeUtf8(buf, s);
        return buf;
    }

    /** Node's latin1 (and ascii, which writes the same bytes): the low byte of each char. */
    private static ByteBuf latin1(ByteBufAllocator alloc, String s) {
        ByteBuf buf = alloc.buffer(s.length());
        for (int i = 0, n = s.length(); i < n; i++) {
            buf.writeByte(s.charAt(i));
        }
        return buf;
    }

    private static ByteBuf hex(ByteBufAllocator alloc, String s) {
        ByteBuf buf = alloc.buffer(s.length() / 2);
        for (int i = 0; i + 1 < s.length(); i += 2) {
            int hi = Character.digit(s.charAt(i), 16);
            int lo = Character.digit(s.charAt(i + 1), 16);
            if (hi < 0 || lo < 0) {
                break;
            }
            buf.writeByte(hi << 4 | lo);
        }
        return buf;
    }

    private static ByteBuf base64(ByteBufAllocator alloc, String s) {
        ByteBuf buf = alloc.buffer(s.length() * 3 / 4 + 1);
        int bits = 0;
        int count = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == '=') {
                break;
            }
            int v = c < 128 ? BASE64_VALUE[c] : -1;
            if (v < 0) {
                continue;
            }
            bits = bits << 6 | v;
            if (++count == 4) {
                buf.writeMedium(bits);
                bits = 0;
                count = 0;
            }
        }
        if (count == 2) {
            buf.writeByte(bits >> 4);
        } else if (count == 3) {
            buf.writeShort(bits >> 2);
        }
        return buf;
    }
}
