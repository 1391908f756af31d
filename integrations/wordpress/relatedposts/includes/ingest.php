<?php
/**
 * Publish-time ingest: the post's permalink goes to the service's POST /admin/ingest.
 *
 * publish (new or updated) sends {"url": URL}; publish to anything else (draft, private,
 * pending, trash) or a permanent delete sends {"url": URL, "remove": true}. The calls are
 * queued during the request and sent at shutdown, after fastcgi_finish_request() has handed
 * the editor its answer, so the editor never waits for the service. A call that fails is kept
 * (up to RELATEDPOSTS_MAX_PENDING) and sent again with the next one: nothing is lost while the
 * service is down. The service treats repeated calls as the same call.
 *
 * @package relatedposts
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Failed calls kept for the next attempt, at most (the oldest are dropped first).
 */
const RELATEDPOSTS_MAX_PENDING = 200;

/**
 * The post meta holding the URL a post was published under (its permalink changes on trash).
 */
const RELATEDPOSTS_URL_META = '_relatedposts_url';

/**
 * Queue the call a post's status change asks for.
 *
 * @param string  $new_status The post's new status.
 * @param string  $old_status The post's previous status.
 * @param WP_Post $post       The post.
 */
function relatedposts_on_transition( $new_status, $old_status, $post ) {
	if ( ! relatedposts_is_tracked( $post ) ) {
		return;
	}
	$known = (string) get_post_meta( $post->ID, RELATEDPOSTS_URL_META, true );
	if ( 'publish' === $new_status ) {
		$url = get_permalink( $post );
		if ( '' !== $known && $known !== $url ) {
			relatedposts_queue( $known, true ); // the slug changed: the old URL is gone.
		}
		update_post_meta( $post->ID, RELATEDPOSTS_URL_META, $url );
		relatedposts_queue( $url, false );
	} elseif ( 'publish' === $old_status ) {
		relatedposts_queue( '' !== $known ? $known : get_permalink( $post ), true );
	}
}

/**
 * Queue the removal of a published post deleted without passing through the trash.
 *
 * @param int $post_id The post being deleted.
 */
function relatedposts_on_delete( $post_id ) {
	$post = get_post( $post_id );
	if ( $post && 'publish' === $post->post_status && relatedposts_is_tracked( $post ) ) {
		$known = (string) get_post_meta( $post->ID, RELATEDPOSTS_URL_META, true );
		relatedposts_queue( '' !== $known ? $known : get_permalink( $post ), true );
	}
}

/**
 * Return whether the service indexes this kind of post (filter: relatedposts_post_types).
 *
 * @param WP_Post $post The post.
 */
function relatedposts_is_tracked( $post ) {
	if ( ! $post instanceof WP_Post || wp_is_post_revision( $post ) || wp_is_post_autosave( $post ) ) {
		return false;
	}
	$types = (array) apply_filters( 'relatedposts_post_types', array( 'post' ) );
	return in_array( $post->post_type, $types, true ) && '' !== relatedposts_service_url();
}

/**
 * Queue one call for shutdown; the last word on a URL wins (publish then trash: trash).
 *
 * @param string $url    The post's permalink.
 * @param bool   $remove Whether the post left the site.
 */
function relatedposts_queue( $url, $remove ) {
	$payload = array( 'url' => (string) $url );
	if ( $remove ) {
		$payload['remove'] = true;
	}
	$GLOBALS['relatedposts_queue'][ (string) $url ] = $payload;
	if ( ! has_action( 'shutdown', 'relatedposts_send_queue' ) ) {
		add_action( 'shutdown', 'relatedposts_send_queue', 100 );
	}
}

/**
 * Send the queued calls (and the ones that failed before) once the response is out.
 */
function relatedposts_send_queue() {
	$queue = isset( $GLOBALS['relatedposts_queue'] ) ? $GLOBALS['relatedposts_queue'] : array();
	$GLOBALS['relatedposts_queue'] = array();
	$calls = array_merge( (array) get_option( 'relatedposts_pending', array() ), $queue );
	if ( empty( $calls ) ) {
		return;
	}
	$timeout = 3;
	if ( function_exists( 'fastcgi_finish_request' ) ) {
		fastcgi_finish_request(); // The editor has its answer; the service may take its time.
		$timeout = 30;
	}
	$failed = array();
	foreach ( $calls as $url => $payload ) {
		if ( ! relatedposts_send( $payload, $timeout ) ) {
			$failed[ $url ] = $payload;
		}
	}
	update_option( 'relatedposts_pending', array_slice( $failed, -RELATEDPOSTS_MAX_PENDING, null, true ), false );
}

/**
 * POST one call to /admin/ingest with the Bearer token; return whether it is settled
 * (taken, or refused for good), false when it should be tried again.
 *
 * @param array $payload {"url": URL} or {"url": URL, "remove": true}.
 * @param float $timeout Seconds to wait for the answer.
 */
function relatedposts_send( $payload, $timeout ) {
	$token = relatedposts_token();
	if ( '' === $token ) {
		update_option( 'relatedposts_last_error', 'no admin token set: publish calls are not sent', false );
		return false;
	}
	$response = wp_remote_post(
		relatedposts_service_url() . '/admin/ingest',
		array(
			'timeout'     => $timeout,
			'redirection' => 0,
			'headers'     => array(
				'Authorization' => 'Bearer ' . $token,
				'Content-Type'  => 'application/json',
			),
			'body'        => wp_json_encode( $payload ),
		)
	);
	$code = is_wp_error( $response ) ? 0 : (int) wp_remote_retrieve_response_code( $response );
	if ( 200 === $code ) {
		update_option( 'relatedposts_cache_gen', (int) get_option( 'relatedposts_cache_gen', 0 ) + 1, false );
		return true;
	}
	$why = is_wp_error( $response ) ? $response->get_error_message() : 'HTTP ' . $code;
	update_option( 'relatedposts_last_error', gmdate( 'c' ) . ' ' . $payload['url'] . ': ' . $why, false );
	// A refusal (bad token, URL of another site) will not succeed by trying again.
	return in_array( $code, array( 400, 401, 403, 404, 422 ), true );
}
