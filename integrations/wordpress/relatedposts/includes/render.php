<?php
/**
 * The related block, rendered on the server from the service's GET /fragment/related.
 *
 * The fragment is already escaped HTML; it is passed through wp_kses with the block's own
 * tags (and never escaped again) so a compromised or misconfigured service cannot inject
 * script into the page. A service that is down, slow or answering an error renders nothing.
 *
 * @package relatedposts
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Seconds a rendered block is cached; a publish through the hook empties the cache sooner.
 */
const RELATEDPOSTS_CACHE_TTL = 300;

/**
 * Seconds a failure (service down, error answer) is remembered, so pages stay fast meanwhile.
 */
const RELATEDPOSTS_FAILURE_TTL = 30;

/**
 * Return the tags and attributes the block's markup uses (widget.js's DOM, and AMP's).
 */
function relatedposts_allowed_html() {
	$class = array( 'class' => true );
	$image = array(
		'class'   => true,
		'src'     => true,
		'alt'     => true,
		'loading' => true,
		'width'   => true,
		'height'  => true,
		'layout'  => true,
	);
	return array(
		'section' => $class,
		'h2'      => $class,
		'ul'      => $class,
		'li'      => $class,
		'span'    => $class,
		'p'       => $class,
		'a'       => array(
			'class' => true,
			'href'  => true,
		),
		'img'     => $image,
		'amp-img' => $image,
	);
}

/**
 * Return the related block for an article URL, or '' when there is none to show.
 *
 * @param string $url   The article's permalink, as the service knows it.
 * @param int    $limit How many related posts.
 */
function relatedposts_block_html( $url, $limit ) {
	$service = relatedposts_service_url();
	if ( '' === $service || '' === (string) $url ) {
		return '';
	}
	$limit = relatedposts_clamp_limit( $limit );
	// The generation changes after each publish the service confirmed: every block refreshes.
	$generation = (int) get_option( 'relatedposts_cache_gen', 0 );
	$key        = 'relatedposts_' . md5( $service . '|' . $url . '|' . $limit . '|' . $generation );
	$cached     = get_transient( $key );
	if ( false !== $cached ) {
		return (string) $cached;
	}
	$html = relatedposts_fetch_fragment( $service, $url, $limit );
	if ( null === $html ) {
		set_transient( $key, '', RELATEDPOSTS_FAILURE_TTL );
		return '';
	}
	$html = wp_kses( $html, relatedposts_allowed_html() );
	set_transient( $key, $html, RELATEDPOSTS_CACHE_TTL );
	return $html;
}

/**
 * Fetch the fragment's HTML from the service; null when it is down, slow or says no.
 *
 * @param string $service The service's base URL.
 * @param string $url     The article's permalink.
 * @param int    $limit   How many related posts.
 */
function relatedposts_fetch_fragment( $service, $url, $limit ) {
	$query    = http_build_query(
		array(
			'url'   => $url,
			'limit' => $limit,
		)
	);
	$response = wp_remote_get(
		$service . '/fragment/related?' . $query,
		array(
			'timeout'     => relatedposts_timeout(),
			'redirection' => 0,
			'headers'     => array( 'Accept' => 'text/html' ),
		)
	);
	if ( is_wp_error( $response ) || 200 !== (int) wp_remote_retrieve_response_code( $response ) ) {
		return null;
	}
	return (string) wp_remote_retrieve_body( $response );
}

/**
 * Return the block for the post being shown (the loop's, or the queried one).
 *
 * @param int $limit How many related posts.
 */
function relatedposts_for_current_post( $limit ) {
	$post = get_post();
	if ( ! $post || 'publish' !== $post->post_status ) {
		return '';
	}
	return relatedposts_block_html( get_permalink( $post ), $limit );
}

/**
 * Render [relatedposts limit="5"].
 *
 * @param array|string $atts The shortcode's attributes.
 */
function relatedposts_shortcode( $atts ) {
	$atts = shortcode_atts( array( 'limit' => relatedposts_default_limit() ), $atts, 'relatedposts' );
	return relatedposts_for_current_post( $atts['limit'] );
}

/**
 * Register the dynamic block relatedposts/related (block.json; rendered here, not saved).
 */
function relatedposts_register_block() {
	register_block_type( RELATEDPOSTS_DIR, array( 'render_callback' => 'relatedposts_render_block' ) );
}

/**
 * Render the block relatedposts/related.
 *
 * @param array $attributes The block's attributes (limit).
 */
function relatedposts_render_block( $attributes ) {
	$limit = isset( $attributes['limit'] ) ? $attributes['limit'] : relatedposts_default_limit();
	return relatedposts_for_current_post( $limit );
}

/**
 * Append the block to a single post's content when the setting asks for it.
 *
 * @param string $content The post's content.
 */
function relatedposts_append_to_content( $content ) {
	if ( ! get_option( 'relatedposts_append' ) || ! is_singular( 'post' ) || ! is_main_query() ) {
		return $content;
	}
	$post = get_post();
	// Only the post the page is about (not a post shown inside a sidebar or another block),
	// and never twice when the author placed the shortcode or the block already.
	if ( ! $post || (int) $post->ID !== (int) get_queried_object_id()
		|| has_shortcode( $post->post_content, 'relatedposts' )
		|| has_block( 'relatedposts/related', $post ) ) {
		return $content;
	}
	return $content . relatedposts_for_current_post( relatedposts_default_limit() );
}
